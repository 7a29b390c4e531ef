"""``harbor mcp``: serve MCP over stdio for an agent host, proxied to the running node."""

from __future__ import annotations

import os
from typing import Annotated

import anyio
import httpx2
import typer
from mcp.shared.exceptions import MCPError

from harbor.cli.common import KEY_ENV, fail_message, node_url, state
from harbor.errors import Unauthorized
from harbor.runtime.identity import AGENT_KEY_PREFIX
from harbor_client import HarborClient


def register(app: typer.Typer) -> None:
    """Add ``harbor mcp`` to the root app."""
    app.command("mcp")(mcp_command)


def agent_key_from_environment() -> str:
    """The agent key in HARBOR_KEY; refuses a missing key and operator tokens."""
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise typer.Exit(fail_message(f"set {KEY_ENV} to the agent key (hba_...) for this host"))
    if not key.startswith(AGENT_KEY_PREFIX):
        raise typer.Exit(
            fail_message(f"{KEY_ENV} must hold an agent key (hba_...); MCP is for agents only")
        )
    return key


def mcp_command(
    ctx: typer.Context,
    key: Annotated[
        str | None,
        typer.Option("--key", hidden=True, help="Refused: pass the key in HARBOR_KEY"),
    ] = None,
) -> None:
    """Serve MCP on stdin/stdout, proxied to the node at HARBOR_URL with the key in HARBOR_KEY.

    Agent hosts (Claude Desktop, Claude Code, ...) launch this command. The key is read from
    HARBOR_KEY only: a command line is visible to other users of the machine.
    """
    if key is not None:
        raise typer.Exit(
            fail_message(f"never put a key on the command line; set {KEY_ENV} instead")
        )
    agent_key = agent_key_from_environment()
    url = node_url(state(ctx).settings())
    check_agent_key(url, agent_key)
    from harbor.mcp.stdio import serve_stdio

    try:
        anyio.run(serve_stdio, url, agent_key)
    except* (httpx2.HTTPError, MCPError) as group:
        raise typer.Exit(
            fail_message(f"MCP with the node at {url} failed: {leaf(group)}")
        ) from None


def check_agent_key(url: str, key: str) -> None:
    """Fail before serving when the node is down or refuses the key (one clear line)."""
    try:
        with HarborClient(url, key) as client:
            client.whoami()
    except Unauthorized as err:
        raise typer.Exit(fail_message(f"the node at {url} refused the key: {err.detail}")) from err


def leaf(error: BaseException) -> BaseException:
    """The first exception inside (nested) exception groups: the one that says what went wrong."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error
