"""Connecting an OAuth port from its workspace: Connect (or Reconnect) and Disconnect.

Connect starts the authorization code flow in the runtime and sends the browser to the
provider's sign-in page; the provider sends it back to the node's public
``/oauth/callback`` (``harbor.api.routes.oauth``), which links back to the port.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.errors import HarborError
from harbor.node import Node
from harbor.runtime import oauth
from harbor.ui.pages.workspace import _page
from harbor.ui.rendering import redirect_to
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep

router = ui_router()


@router.post("/ports/{port}/oauth/connect", response_model=None)
def connect_port(
    request: Request, node: NodeDep, operator: OperatorDep, port: str
) -> HTMLResponse | RedirectResponse:
    """Start connecting: send the browser to the provider's sign-in page."""
    try:
        with node.store.session(operator.actor) as session:
            started = oauth.start_connect(session, node, port)
    except HarborError as err:
        return _page(request, node, operator, port, err)
    return RedirectResponse(started.authorization_url, status_code=303)


def _check_oauth_port(node: Node, port: str) -> None:
    with node.store.read_session() as session:
        oauth.oauth_status(session, node, port)  # NotFound, or not an OAuth connector


@router.post("/ports/{port}/oauth/disconnect", response_model=None)
async def disconnect_port(
    request: Request, node: NodeDep, operator: OperatorDep, port: str
) -> HTMLResponse | RedirectResponse:
    """Revoke the token at the provider (when reachable) and delete it on the node."""
    try:
        await run_in_threadpool(_check_oauth_port, node, port)
        done = await oauth.disconnect(node, port, operator.actor)
    except HarborError as err:
        return await run_in_threadpool(_page, request, node, operator, port, err)
    return redirect_to(
        request,
        f"/ports/{port}#connection",
        f"Port {port} disconnected: {done.message}. Its calls fail until you connect again.",
        "success" if done.revoked_at_provider else "warning",
    )
