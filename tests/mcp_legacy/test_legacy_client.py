"""An ``mcp`` 1.x client (protocol 2025-11-25) against Harbor over streamable HTTP and stdio."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import pytest
from mcp import types

pytestmark = pytest.mark.anyio


def by_name(listing: types.ListToolsResult) -> dict[str, types.Tool]:
    return {tool.name: tool for tool in listing.tools}


async def test_the_handshake_and_the_tools(open_session, legacy_node):
    async with open_session() as session:
        assert session.get_server_capabilities().tools.listChanged is True
        tools = by_name(await session.list_tools())
    assert set(tools) == {"echo__say", "echo__note", "echo__erase", "harbor_call_status"}
    assert tools["echo__say"].inputSchema["required"] == ["text"]
    assert tools["echo__say"].description == "Echo the text (read)"
    assert tools["echo__say"].annotations.readOnlyHint is True
    assert tools["echo__note"].annotations.destructiveHint is False
    assert tools["echo__erase"].annotations.destructiveHint is True


async def test_allowed_and_denied_calls_are_audited_as_the_agent(open_session, legacy_node):
    async with open_session() as session:
        ran = await session.call_tool("echo__say", {"text": "hello"})
        denied = await session.call_tool("echo__erase", {"text": "everything"})
        invalid = await session.call_tool("echo__say", {"text": 5})
    assert not ran.isError
    assert ran.structuredContent["result"] == {"echo": {"text": "hello"}}
    assert '"hello"' in ran.content[0].text
    assert denied.isError
    assert denied.structuredContent["error"]["code"] == "policy_denied"
    assert denied.structuredContent["error"]["rule"] in denied.content[0].text
    assert invalid.isError
    assert invalid.structuredContent["error"]["code"] == "invalid_arguments"
    for result in (ran, denied):
        events = legacy_node.audit_of(
            result.structuredContent.get("call_id") or result.structuredContent["error"]["call_id"]
        )
        assert (events[0]["type"], events[0]["actor_type"], events[0]["actor"]) == (
            "call.requested", "agent", "legacy-agent",
        )  # fmt: skip


def approve_after_progress(legacy_node, seen: threading.Event) -> threading.Thread:
    """As the operator: once progress arrived, approve the pending approval."""

    def approve() -> None:
        assert seen.wait(15), "no progress notification while the tool waited"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pending = legacy_node.operator.get("/api/v1/approvals", params={"status": "pending"})
            if pending.json():
                approval = pending.json()[0]["id"]
                done = legacy_node.operator.post(f"/api/v1/approvals/{approval}/approve", json={})
                assert done.status_code == 200, done.text
                return
            time.sleep(0.05)

    thread = threading.Thread(target=approve, daemon=True)
    thread.start()
    return thread


async def test_a_call_waits_for_approval_with_progress(open_session, legacy_node):
    seen = threading.Event()
    messages: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message)
        seen.set()

    approver = approve_after_progress(legacy_node, seen)
    async with open_session() as session:
        result = await session.call_tool(
            "echo__note", {"text": "ship it"}, progress_callback=on_progress
        )
        call_id = result.structuredContent["call_id"]
        status = await session.call_tool("harbor_call_status", {"call_id": call_id})
    approver.join(5)
    assert not result.isError
    assert result.structuredContent["result"] == {"echo": {"text": "ship it"}}
    assert "waiting for the operator" in (messages[0] or "")
    assert status.structuredContent["status"] == "succeeded"
    events = [e["type"] for e in legacy_node.audit_of(call_id)]
    assert "approval.approved" in events
    assert events[-1] == "call.succeeded"


async def test_list_changed_on_publish_and_disable(open_session, legacy_node):
    heard = [anyio.Event()]

    async def on_message(message: Any) -> None:
        root = getattr(message, "root", None)
        if isinstance(root, types.ToolListChangedNotification):
            heard[-1].set()

    async with open_session(message_handler=on_message) as session:
        await session.list_tools()
        await anyio.to_thread.run_sync(legacy_node.publish, "shout", "read")
        with anyio.fail_after(10):
            await heard[-1].wait()
        assert "echo__shout" in by_name(await session.list_tools())
        heard.append(anyio.Event())
        await anyio.to_thread.run_sync(legacy_node.set_state, "shout", "disabled")
        with anyio.fail_after(10):
            await heard[-1].wait()
        assert "echo__shout" not in by_name(await session.list_tools())
