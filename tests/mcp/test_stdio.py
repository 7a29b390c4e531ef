"""``harbor mcp`` over stdio, launched as a host launches it, proxied to the live node."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from typer.testing import CliRunner

from harbor.cli import app
from tests.mcp.test_http import approve_when_pending, change_action_state, tools_by_name

pytestmark = pytest.mark.anyio
MODES = pytest.mark.parametrize("mode", ["legacy", "auto"])


@asynccontextmanager
async def stdio_client(live, mode: str, tmp_path, **options) -> AsyncIterator[Client]:
    """The SDK's client running ``python -m harbor mcp`` with HARBOR_URL and HARBOR_KEY."""
    env = {
        **os.environ,
        "HARBOR_URL": live.url,
        "HARBOR_KEY": live.agent_key,
        "HARBOR_CONFIG_DIR": str(tmp_path / "stdio-config"),
        "HARBOR_DATA_DIR": str(tmp_path / "stdio-data"),
    }
    env.pop("HARBOR_TOKEN", None)
    command = StdioServerParameters(command=sys.executable, args=["-m", "harbor", "mcp"], env=env)
    async with Client(command, mode=mode, **options) as client:
        yield client


@MODES
async def test_stdio_lists_and_calls_through_the_node(live, upstream, tmp_path, mode):
    async with stdio_client(live, mode, tmp_path) as client:
        assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        tools = tools_by_name(await client.list_tools())
        assert tools["up__read_item"].annotations.read_only_hint is True
        assert tools["up__wipe"].annotations.destructive_hint is True
        ran = await client.call_tool("up__read_item", {"suffix": "5"})
        denied = await client.call_tool("up__wipe", {"suffix": "5"})
    assert ran.structured_content["result"] == {"path": "/items/5", "ok": True}
    assert denied.is_error
    assert denied.structured_content["error"]["code"] == "policy_denied"
    assert [r["path"] for r in upstream.requests] == ["/items/5"]
    requested = live.audit_of(ran.structured_content["call_id"])[0]
    assert (requested["type"], requested["actor_type"], requested["actor"]) == (
        "call.requested", "agent", "test-agent",
    )  # fmt: skip


@MODES
async def test_stdio_passes_approval_progress_through(live, upstream, tmp_path, mode):
    seen = threading.Event()
    progress: list[str | None] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(message)
        seen.set()

    approver = approve_when_pending(live, seen)
    async with stdio_client(live, mode, tmp_path) as client:
        await client.list_tools()
        result = await client.call_tool("up__touch", {"suffix": "3"}, progress_callback=on_progress)
    approver.join(5)
    assert result.structured_content["status"] == "succeeded"
    assert "waiting for the operator" in (progress[0] or "")


async def test_stdio_passes_list_changed_on(live, tmp_path):
    heard = anyio.Event()

    async def on_message(message) -> None:
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            heard.set()

    async with stdio_client(live, "legacy", tmp_path, message_handler=on_message) as client:
        assert client.server_capabilities.tools.list_changed is True
        await client.list_tools()
        await anyio.to_thread.run_sync(change_action_state, live, "touch", "disabled")
        with anyio.fail_after(10):
            await heard.wait()
        assert "up__touch" not in tools_by_name(await client.list_tools())


async def test_stdio_modern_hosts_hear_changes_through_listen(live, tmp_path):
    async with stdio_client(live, "auto", tmp_path) as client:
        async with client.listen(tools_list_changed=True) as subscription:
            await anyio.to_thread.run_sync(change_action_state, live, "touch", "archived")
            with anyio.fail_after(10):
                async for _event in subscription:
                    break
        assert "up__touch" not in tools_by_name(await client.list_tools())


def run_mcp(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["mcp", *args], env=env)
    return result.exit_code, result.stderr


def test_the_key_comes_only_from_harbor_key(operator_token):
    assert run_mcp(env={"HARBOR_KEY": ""}) == (
        1, "error: set HARBOR_KEY to the agent key (hba_...) for this host\n",
    )  # fmt: skip
    code, stderr = run_mcp("--key", "hba_something", env={"HARBOR_KEY": "hba_x"})
    assert code == 1
    assert "never put a key on the command line" in stderr
    code, stderr = run_mcp(env={"HARBOR_KEY": operator_token})
    assert code == 1
    assert "MCP is for agents only" in stderr


def test_an_unreachable_node_is_one_error_line(tmp_path):
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"
    code, stderr = run_mcp(env={"HARBOR_KEY": "hba_x", "HARBOR_URL": url})
    assert code == 1
    assert stderr.startswith(f"error: cannot reach the Harbor node at {url} (ConnectError)")
    assert stderr.count("\n") == 1


def test_a_refused_key_is_one_error_line(live):
    code, stderr = run_mcp(env={"HARBOR_KEY": "hba_not-a-key", "HARBOR_URL": live.url})
    assert code == 1
    assert stderr.startswith(f"error: the node at {live.url} refused the key")
    assert stderr.count("\n") == 1
