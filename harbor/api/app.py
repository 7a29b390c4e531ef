"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

import anyio
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from harbor.api.access import authorize, public_access
from harbor.api.middleware import (
    BodyLimitMiddleware,
    HostGuardMiddleware,
    RequestContextMiddleware,
)
from harbor.api.openapi import build_openapi
from harbor.api.problems import install_problem_handlers
from harbor.mcp.http import McpEndpoint
from harbor.node import Node
from harbor.runtime import setup
from harbor.runtime.dispatch import Dispatcher, recover_interrupted_calls
from harbor.settings import LOOPBACK_HOSTS, Settings, load_settings

log = logging.getLogger("harbor.node")
OPENAPI_URL = "/api/openapi.json"
API_DOCS_URL = "/api/docs"
STATIC_DOCS_URL = "/api/static"
#: Set to "0" by ``harbor serve`` for its workers once it has recovered calls itself.
RECOVER_ENV = "HARBOR_RECOVER_CALLS"


def allowed_host_names(settings: Settings) -> list[str]:
    """Every Host name the node answers to."""
    names = [*LOOPBACK_HOSTS, *settings.allowed_hosts]
    if settings.host not in ("0.0.0.0", "::", ""):  # noqa: S104 (a comparison, not a bind)
        names.append(settings.host)
    return names


def ensure_first_run(node: Node) -> None:
    """Create the operator from HARBOR_ADMIN_PASSWORD, or make sure a setup token exists.

    ``harbor serve`` does this itself and prints the token; a node started by another ASGI
    server logs a fresh token here when none is waiting.
    """
    with node.store.session() as session:
        if not setup.needs_setup(session):
            return
        password = node.admin_password()
        if password or not setup.has_setup_token(session):
            token = setup.bootstrap_operator(session, password)
            if token:
                log.warning("no operator yet: finish setup with the one-time token %s", token)


def create_app(
    settings: Settings | None = None, node: Node | None = None, *, recover_calls: bool = True
) -> FastAPI:
    """Build the node's ASGI app; starts the node (migrations, plugins) if not started.

    ``recover_calls``: at start, mark calls a crash left ``running`` as ``unknown``. With
    several workers only the process that starts them does this (``harbor serve``), so one
    worker's restart never touches calls another worker is running.
    """
    if node is None:
        node = Node(settings or load_settings())
    if node.started_at is None:
        node.start()
    ensure_first_run(node)
    mcp = McpEndpoint(node)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if recover_calls:
            recovered = await anyio.to_thread.run_sync(recover_interrupted_calls, node)
            if recovered:
                log.warning("%d call(s) were running when the node stopped: now unknown", recovered)
        dispatcher = Dispatcher(node)
        node.dispatcher = dispatcher
        worker = asyncio.create_task(dispatcher.run(), name="harbor-dispatcher")
        try:
            async with mcp.running():
                yield
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            await dispatcher.drain()
            await node.aclose()

    app = FastAPI(
        title="Harbor",
        version=node.version,
        description="The local-first gateway between AI agents and the services they act on.",
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(authorize)],
        lifespan=lifespan,
    )
    app.state.node = node
    install_problem_handlers(app)
    _mount_api_docs(app)
    for routers in node.plugins.hook.harbor_routes(node=node):
        for router in routers or []:
            app.include_router(router)
    app.router.routes.append(mcp.route())
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]

    app.add_middleware(BodyLimitMiddleware, max_bytes=node.settings.max_body_bytes)
    app.add_middleware(HostGuardMiddleware, allowed_hosts=allowed_host_names(node.settings))
    app.add_middleware(RequestContextMiddleware)
    return app


def _mount_api_docs(app: FastAPI) -> None:
    """Swagger UI served from the installed package: no CDN, works offline."""
    static_dir = files("fastapi_offline") / "static"
    app.mount(STATIC_DOCS_URL, StaticFiles(directory=str(static_dir)), name="api-static")

    @app.get(API_DOCS_URL, include_in_schema=False, openapi_extra=public_access())
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title="Harbor API",
            swagger_js_url=f"{STATIC_DOCS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_DOCS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_DOCS_URL}/favicon.png",
        )


def app_from_environment() -> FastAPI:
    """Entry for ``uvicorn --factory harbor.api.app:app_from_environment`` (each worker)."""
    from harbor.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings, recover_calls=os.environ.get(RECOVER_ENV) != "0")
