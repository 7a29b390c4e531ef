"""OAuth connections of ports: connect, status, disconnect, and the public callback."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from harbor.api.access import public_access
from harbor.api.deps import ActorDep, NodeDep
from harbor.contracts import PORT_NAME_PATTERN, Problem
from harbor.errors import HarborError
from harbor.node import Node
from harbor.runtime import oauth
from harbor.ui.rendering import render
from harbor.ui.routing import SECURITY_HEADERS
from harbor_client.oauth_api import OAuthConnectStart, OAuthDisconnected, OAuthStatus

router = APIRouter(prefix="/ports", tags=["oauth"])
callback_router = APIRouter(tags=["oauth"])
PortName = Path(pattern=PORT_NAME_PATTERN)


@router.post(
    "/{port}/oauth/connect",
    response_model=OAuthConnectStart,
    responses={
        409: {"model": Problem, "description": "The port is disabled or has no OAuth client"}
    },
)
def start_connect(node: NodeDep, actor: ActorDep, port: str = PortName) -> OAuthConnectStart:
    """Start connecting the port: open the returned authorization URL in a browser."""
    with node.store.session(actor) as session:
        return oauth.start_connect(session, node, port)


@router.get("/{port}/oauth", response_model=OAuthStatus)
def read_status(node: NodeDep, port: str = PortName) -> OAuthStatus:
    """The port's OAuth connection: granted scopes, last refresh, expiry warnings."""
    with node.store.read_session() as session:
        return oauth.oauth_status(session, node, port)


@router.post("/{port}/oauth/disconnect", response_model=OAuthDisconnected)
async def disconnect(node: NodeDep, actor: ActorDep, port: str = PortName) -> OAuthDisconnected:
    """Revoke the port's token at the provider (when reachable) and delete it on the node."""
    await anyio.to_thread.run_sync(_existing_oauth_port, node, port)
    return await oauth.disconnect(node, port, actor)


def _existing_oauth_port(node: Node, port: str) -> None:
    with node.store.read_session() as session:
        oauth.oauth_status(session, node, port)  # NotFound / not an OAuth connector


@callback_router.get(
    oauth.CALLBACK_PATH,
    response_class=HTMLResponse,
    openapi_extra=public_access(),
    include_in_schema=False,
)
async def callback(
    request: Request,
    node: NodeDep,
    state: str = "",
    code: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    """Where the provider sends the browser back after the operator signed in."""
    callback_url = str(request.url.replace(query="", fragment=""))
    try:
        port = await oauth.finish_connect(
            node, state=state, callback_url=callback_url, code=code, error=error
        )
    except HarborError as err:  # plain words for the browser, never a problem+json
        return await anyio.to_thread.run_sync(_page, request, "Not connected", str(err), None)
    message = f"Port '{port}' is connected. You can close this tab."
    return await anyio.to_thread.run_sync(_page, request, "Connected", message, port)


def _page(request: Request, title: str, message: str, port: str | None) -> HTMLResponse:
    """The answer in the console's layout (rendering reads the database: run in a thread)."""
    context = {"title": title, "message": message, "port": port}
    response = render(request, "oauth/callback.html", context, status_code=200 if port else 400)
    response.headers.update(SECURITY_HEADERS)
    return response
