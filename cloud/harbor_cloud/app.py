"""The cloud's FastAPI app: the JSON API under /api/v1, the member area and /admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from harbor_cloud import __version__
from harbor_cloud.api import api_router
from harbor_cloud.api.problems import (
    http_problem,
    install_problem_handlers,
    problem_response,
    validation_problem,
)
from harbor_cloud.context import Cloud
from harbor_cloud.errors import CloudError
from harbor_cloud.settings import CloudSettings
from harbor_cloud.web import admin as web_admin
from harbor_cloud.web import member as web_member
from harbor_cloud.web.rendering import STATIC_DIR, render
from harbor_cloud.web.sessions import SignInRequired

API_PREFIX = "/api/"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def web_error_page(request: Request, err: CloudError) -> Response:
    """How a web page shows an error: sign-in redirect, or an error page with the message."""
    if isinstance(err, SignInRequired):
        return RedirectResponse("/signin", status_code=303)
    return render(request, "error.html", status_code=err.status, error=err)


def install_error_handlers(app: FastAPI) -> None:
    """problem+json for the API, HTML pages for the web areas."""
    install_problem_handlers(app)

    async def on_cloud_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CloudError)
        if _is_api(request):
            return problem_response(exc, request.url.path)
        return web_error_page(request, exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        err = http_problem(exc)
        return (
            problem_response(err, request.url.path)
            if _is_api(request)
            else web_error_page(request, err)
        )

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        err = validation_problem(exc)
        return (
            problem_response(err, request.url.path)
            if _is_api(request)
            else web_error_page(request, err)
        )

    app.add_exception_handler(CloudError, on_cloud_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)


def create_app(settings: CloudSettings | None = None) -> FastAPI:
    """The cloud app; the database is migrated and the keys loaded when it starts."""
    settings = settings or CloudSettings.from_env()
    cloud = Cloud.open(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        cloud.store.dispose()

    app = FastAPI(
        title="Harbor Cloud",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.cloud = cloud
    install_error_handlers(app)
    app.include_router(api_router())
    app.include_router(web_member.router)
    app.include_router(web_admin.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
