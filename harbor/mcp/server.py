"""The node's MCP server: the agent's callable actions as tools, every call governed.

Built on the ``mcp`` SDK's low-level ``Server`` (tools differ per agent key, so they are
listed per request rather than registered once). A tool call is ``calls.submit_call``, the
same pipeline as ``POST /api/v1/calls``: scopes, argument validation, policy, approvals and
audit are never bypassed, and the caller is the agent whose key authenticated the request.
"""

from __future__ import annotations

import re
from typing import Any

import anyio
import mcp_types as types
from mcp.server import InitializationOptions, NotificationOptions, Server, ServerRequestContext
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError

from harbor.contracts import CallableAction, CallCreate, CallPublic
from harbor.errors import HarborError, InvalidArguments
from harbor.mcp.changes import ToolListFanout, fingerprint
from harbor.mcp.tools import (
    CALL_ID_PATTERN,
    CALL_STATUS_TOOL,
    action_tool,
    call_result,
    call_status_tool,
    error_result,
    qualified_name,
    unknown_tool_result,
)
from harbor.node import Node
from harbor.runtime import call_reads, calls
from harbor.runtime.identity import Principal

#: Where the HTTP endpoint leaves the authenticated agent for the handlers.
PRINCIPAL_SCOPE_KEY = "harbor.principal"
SESSION_HEADER = "mcp-session-id"
#: While a tool waits for approval, a progress notification goes out this often (seconds).
PROGRESS_INTERVAL = 2.0
WAITING_STATUSES = frozenset({"pending_approval", "approved", "running"})
INSTRUCTIONS = (
    "Each tool runs one Harbor action on the operator's behalf. Harbor's policy decides: a call "
    "may run at once, be refused (the tool error names the rule), or wait for the operator's "
    f"approval. A call still waiting answers 'pending approval' with a call id: check it with "
    f"{CALL_STATUS_TOOL} instead of calling the tool again."
)
_call_id = re.compile(CALL_ID_PATTERN)


def principal_of(ctx: ServerRequestContext[Any, Any]) -> Principal:
    """The agent the request's key belongs to (set by the HTTP endpoint)."""
    request = ctx.request
    principal = getattr(request, "scope", {}).get(PRINCIPAL_SCOPE_KEY)
    if not isinstance(principal, Principal):
        raise MCPError(types.INVALID_REQUEST, "no Harbor agent key on this request")
    return principal


def _session_id(ctx: ServerRequestContext[Any, Any]) -> str | None:
    """The handshake-era session id; None for 2026-07-28 requests, which have no session."""
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        return None
    headers = getattr(ctx.request, "headers", None)
    return headers.get(SESSION_HEADER) if headers is not None else None


class _ToolsChangeServer(Server[Any]):
    """The SDK's server, advertising ``tools.listChanged`` to handshake-era clients too."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        """The handshake's answer; the session manager asks without options."""
        return super().create_initialization_options(
            notification_options or NotificationOptions(tools_changed=True),
            experimental_capabilities,
            extensions,
        )


class HarborMcpServer:
    """Tools, tool calls and tool-list changes for one node."""

    def __init__(self, node: Node, idle_seconds: float | None = None) -> None:
        self.node = node
        bus = InMemorySubscriptionBus()
        self.changes = ToolListFanout(bus, idle_seconds)
        self.server: Server[Any] = _ToolsChangeServer(
            "harbor",
            version=node.version,
            title="Harbor",
            instructions=INSTRUCTIONS,
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_subscriptions_listen=ListenHandler(bus),
        )

    # --- Listing -----------------------------------------------------------------------------

    def _callable(self, principal: Principal) -> list[CallableAction]:
        with self.node.store.read_session() as session:
            return calls.list_callable_actions(session, principal)

    async def callable_actions(self, principal: Principal) -> list[CallableAction]:
        """The published, enabled actions the agent's scopes allow."""
        return await anyio.to_thread.run_sync(self._callable, principal)

    async def current_fingerprint(self, principal: Principal) -> str:
        """The fingerprint of the agent's tool list as it is now."""
        actions = await self.callable_actions(principal)
        return fingerprint((a.name, a.version) for a in actions)

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        """``tools/list``: the agent's actions, plus ``harbor_call_status``."""
        principal = principal_of(ctx)
        actions = await self.callable_actions(principal)
        session_id = _session_id(ctx)
        if session_id is not None:
            listed = fingerprint((a.name, a.version) for a in actions)
            self.changes.remember(session_id, ctx.session, principal, listed)
        return types.ListToolsResult(tools=[*map(action_tool, actions), call_status_tool()])

    async def announce_changes(self) -> None:
        """Tell connected clients whose tool list changed."""
        await self.changes.announce(self.current_fingerprint)

    async def _catch_up(self, ctx: ServerRequestContext[Any, Any], principal: Principal) -> None:
        """A change made by another worker reaches this session on its next request."""
        session_id = _session_id(ctx)
        shown = self.changes.fingerprint_of(session_id) if session_id else None
        if session_id is None or shown is None:
            return
        now = await self.current_fingerprint(principal)
        if now != shown:
            await self.changes.tell(session_id, now)

    # --- Calling -----------------------------------------------------------------------------

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        """``tools/call``: run the action through the governed pipeline."""
        principal = principal_of(ctx)
        await self._catch_up(ctx, principal)
        arguments = params.arguments or {}
        if params.name == CALL_STATUS_TOOL:
            return await self._call_status(principal, arguments)
        qualified = qualified_name(params.name)
        try:
            spec = CallCreate(action=qualified or params.name, arguments=arguments)
        except ValidationError:
            return unknown_tool_result(params.name)
        try:
            public, status = await calls.submit_call(self.node, principal, spec)
        except HarborError as err:
            return error_result(err)
        if status == 202:
            public = await self._wait_for_decision(ctx, principal, public)
        return call_result(public)

    async def _wait_for_decision(
        self, ctx: ServerRequestContext[Any, Any], principal: Principal, public: CallPublic
    ) -> CallPublic:
        """Wait for the operator up to the configured time, reporting progress meanwhile."""
        budget = self.node.settings.mcp_approval_wait_seconds
        started = anyio.current_time()
        while public.status in WAITING_STATUSES:
            elapsed = anyio.current_time() - started
            remaining = budget - elapsed
            if remaining <= 0:
                break
            await ctx.session.report_progress(
                progress=round(elapsed, 3),
                total=budget,
                message=f"call {public.id} is {public.status}: waiting for the operator",
            )
            step = min(PROGRESS_INTERVAL, remaining)
            public = await call_reads.wait_for_call(self.node, principal, public.id, step)
        return public

    async def _call_status(
        self, principal: Principal, arguments: dict[str, Any]
    ) -> types.CallToolResult:
        """``harbor_call_status``: the agent's own call, optionally after waiting for it."""
        call_id, wait = arguments.get("call_id"), arguments.get("wait", 0)
        try:
            if not isinstance(call_id, str) or not _call_id.match(call_id):
                raise InvalidArguments(
                    "call_id must be a call id such as call_0123456789abcdef01234567"
                )
            if isinstance(wait, bool) or not isinstance(wait, int | float) or not 0 <= wait <= 60:
                raise InvalidArguments("wait must be a number of seconds from 0 to 60")
            public = await call_reads.wait_for_call(self.node, principal, call_id, float(wait))
        except HarborError as err:
            return error_result(err)
        return call_result(public)
