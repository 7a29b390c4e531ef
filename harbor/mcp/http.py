"""``/mcp`` on the node: MCP over streamable HTTP, for agent keys only.

The route sits inside the node's app, so the request id, Host/Origin guard and body limit
middleware apply as for the API. Each request is authenticated here with its own Bearer
key (operator tokens are refused: MCP is an agent surface); the SDK's session manager then
serves both protocol generations: handshake-era sessions (2025-11-25 and older, ``mcp`` 1.x
clients) and 2026-07-28 single requests. A session only answers to the key that opened it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import anyio
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from harbor.api.problems import problem_response
from harbor.errors import Forbidden, HarborError, Unauthorized, Unavailable
from harbor.mcp.server import PRINCIPAL_SCOPE_KEY, HarborMcpServer
from harbor.node import Node
from harbor.runtime.events import tool_list_changes
from harbor.runtime.identity import Principal, authenticate, mark_used

log = logging.getLogger("harbor.mcp")
MCP_PATH = "/mcp"
MCP_METHODS = ["GET", "POST", "DELETE"]
#: A handshake-era session without requests for this long is closed (the SDK's default).
SESSION_IDLE_SECONDS = 30 * 60


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _bearer(scope: Scope) -> str | None:
    scheme, _, value = (_header(scope, b"authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


class McpEndpoint:
    """The ASGI endpoint of ``/mcp``; ``running()`` belongs in the app's lifespan."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.mcp = HarborMcpServer(node, idle_seconds=SESSION_IDLE_SECONDS)
        # One session manager per run of the app's lifespan (the SDK's run only once each);
        # tests may run the same app's lifespan several times, even overlapping.
        self._managers: list[StreamableHTTPSessionManager] = []

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve sessions and announce tool-list changes while the app runs."""
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def wake_announcer() -> None:  # called in whichever thread committed the change
            if not loop.is_closed():
                loop.call_soon_threadsafe(changed.set)

        manager = StreamableHTTPSessionManager(
            app=self.mcp.server, session_idle_timeout=SESSION_IDLE_SECONDS
        )
        unsubscribe = tool_list_changes.subscribe(wake_announcer)
        try:
            async with manager.run(), anyio.create_task_group() as tasks:
                self._managers.append(manager)
                tasks.start_soon(self._announce_changes, changed)
                try:
                    yield
                finally:
                    self._managers.remove(manager)
                    tasks.cancel_scope.cancel()
        finally:
            unsubscribe()

    def route(self) -> Route:
        """The ``/mcp`` route of the node's app (outside the API's access dependency)."""
        return Route(MCP_PATH, endpoint=self, methods=MCP_METHODS, include_in_schema=False)

    async def _announce_changes(self, changed: asyncio.Event) -> None:
        while True:
            await changed.wait()
            changed.clear()
            try:
                await self.mcp.announce_changes()
            except Exception:  # a failed announcement must not stop the next ones
                log.exception("could not announce a tool-list change to MCP sessions")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Authenticate the agent, then hand the request to the SDK's session manager."""
        try:
            if not self._managers:
                raise Unavailable("MCP is not running: the app was started without its lifespan")
            principal = await self._authenticate(scope)
        except HarborError as err:
            if isinstance(err, Unauthorized):
                err.headers.setdefault("WWW-Authenticate", 'Bearer realm="harbor"')
            await problem_response(err, scope.get("path"))(scope, receive, send)
            return
        scope[PRINCIPAL_SCOPE_KEY] = principal
        # The SDK binds a session to the credential that opened it.
        scope["user"] = AuthenticatedUser(
            AccessToken(
                token="",  # never kept: the key stays in the request it came with
                client_id=f"agent:{principal.id}",
                scopes=list(principal.scopes),
                subject=str(principal.credential_id),
            )
        )
        if scope.get("method") == "DELETE":
            session_id = _header(scope, b"mcp-session-id")
            if session_id:
                self.mcp.changes.forget(session_id)
        await self._managers[-1].handle_request(scope, receive, send)

    async def _authenticate(self, scope: Scope) -> Principal:
        credential = _bearer(scope)
        if credential is None:
            raise Unauthorized("missing credential; send 'Authorization: Bearer <agent key>'")
        principal = await anyio.to_thread.run_sync(self._principal, credential)
        if principal.is_operator:
            raise Forbidden("MCP is for agents: connect with an agent key, not an operator token")
        return principal

    def _principal(self, credential: str) -> Principal:
        with self.node.store.read_session() as session:
            principal = authenticate(session, credential)
        if principal.use_not_recorded:
            with self.node.store.session() as session:
                mark_used(session, principal)
        return principal
