"""``harbor mcp``: MCP over stdin/stdout for hosts that launch a command, proxied to the node.

Nothing is decided here: every request goes to the running node's ``/mcp`` over streamable
HTTP with the agent key, so the node's tools, policy, approvals and audit apply exactly as
for a host that connects over HTTP. Progress from a tool waiting for approval is passed on,
and so are tool-list changes. Either protocol generation may be spoken on stdin; the proxy
talks to the node with the 2025-11-25 handshake, which keeps a stream open for changes.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx2
import mcp_types as types
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server import InitializationOptions, NotificationOptions, Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from harbor.mcp.changes import ToolListFanout

#: The one downstream session of a stdio connection.
STDIO_SESSION = "stdio"
#: Connecting and each request to the node; a tool call itself may wait for approval longer.
CONNECT_TIMEOUT = 30.0


class StdioProxy:
    """Forwards tools/list and tools/call to the node; passes progress and changes back."""

    def __init__(self, upstream: Client, node_info: types.Implementation | None) -> None:
        self.upstream = upstream
        bus = InMemorySubscriptionBus()
        self.changes = ToolListFanout(bus)
        info = node_info or types.Implementation(name="harbor", version="")
        self.server: Server[Any] = Server(
            info.name,
            version=info.version,
            title="Harbor",
            instructions=upstream.instructions,
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_subscriptions_listen=ListenHandler(bus),
        )

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        """The node's tools for this key."""
        if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            self.changes.remember(STDIO_SESSION, ctx.session, None, "")
        cursor = params.cursor if params else None
        listing = await self.upstream.list_tools(cursor=cursor, cache_mode="refresh")
        return types.ListToolsResult(tools=listing.tools, next_cursor=listing.next_cursor)

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        """Run the tool on the node, passing its progress notifications on."""

        async def forward_progress(
            progress: float, total: float | None, message: str | None
        ) -> None:
            await ctx.session.report_progress(progress, total, message)

        return await self.upstream.call_tool(
            params.name, params.arguments, progress_callback=forward_progress
        )

    async def on_upstream_message(self, message: Any) -> None:
        """The node said the tools changed: tell the host."""
        if isinstance(message, types.ToolListChangedNotification):
            await self.changes.announce()

    def initialization_options(self) -> InitializationOptions:
        """What the proxy tells a handshake-era host: tools that may change."""
        return self.server.create_initialization_options(NotificationOptions(tools_changed=True))


async def serve_stdio(url: str, key: str) -> None:
    """Serve MCP on stdin/stdout until the host closes it, forwarding to ``url``'s ``/mcp``."""
    endpoint = url.rstrip("/") + "/mcp"
    headers = {"Authorization": f"Bearer {key}", "User-Agent": "harbor-mcp-stdio"}
    timeout = httpx2.Timeout(CONNECT_TIMEOUT, read=None)  # a tool may wait for the operator
    forward: list[StdioProxy] = []

    async def on_message(message: Any) -> None:
        if forward:
            await forward[0].on_upstream_message(message)
        else:
            await anyio.lowlevel.checkpoint()

    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout) as http,
        Client(
            streamable_http_client(endpoint, http_client=http),
            mode="legacy",
            message_handler=on_message,
        ) as upstream,
    ):
        await upstream.list_tools()  # checks the key now; the node tells this session of changes
        proxy = StdioProxy(upstream, upstream.server_info)
        forward.append(proxy)
        async with stdio_server() as (read_stream, write_stream):
            await proxy.server.run(read_stream, write_stream, proxy.initialization_options())
