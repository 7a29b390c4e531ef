"""MCP over streamable HTTP at /mcp, driven by the ``mcp`` SDK's own client in both protocol
generations: the 2025-11-25 handshake (``mode="legacy"``, what ``mcp`` 1.x hosts speak) and
the 2026-07-28 revision (``mode="auto"``: the client discovers it and adopts it)."""

from __future__ import annotations

import threading
import time

import anyio
import httpx
import pytest

from tests.api.calls_fixtures import publish

pytestmark = pytest.mark.anyio
MODES = pytest.mark.parametrize("mode", ["legacy", "auto"])


def agents_of(events):
    """Who the agent-side events name (the node itself runs the call: actor ``system``)."""
    return {e["actor"] for e in events if e["actor_type"] == "agent"}


def tools_by_name(listing):
    return {tool.name: tool for tool in listing.tools}


@MODES
async def test_tools_are_the_agents_actions_with_schemas_and_risk_hints(live, mcp_client, mode):
    async with mcp_client(mode) as client:
        assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        tools = tools_by_name(await client.list_tools())
    assert set(tools) == {"up__read_item", "up__touch", "up__wipe", "harbor_call_status"}
    read = tools["up__read_item"]
    assert read.description == "read_item for the tests"
    assert read.input_schema["required"] == ["suffix"]
    assert read.input_schema["properties"]["suffix"] == {"type": "string", "maxLength": 20}
    assert read.annotations.read_only_hint is True
    assert tools["up__touch"].annotations.read_only_hint is False
    assert tools["up__touch"].annotations.destructive_hint is False
    assert tools["up__wipe"].annotations.destructive_hint is True


@MODES
async def test_scopes_filter_the_tools_and_the_calls(live, mcp_client, mode):
    narrow = live.new_agent("narrow", ["up.read_*"])
    async with mcp_client(mode, key=narrow) as client:
        tools = tools_by_name(await client.list_tools())
        assert set(tools) == {"up__read_item", "harbor_call_status"}
        refused = await client.session.call_tool("up__touch", {"suffix": "x"})
    assert refused.is_error
    assert refused.structured_content["error"]["code"] == "forbidden"


@MODES
async def test_an_allowed_read_runs_and_is_audited_as_the_agent(live, mcp_client, upstream, mode):
    async with mcp_client(mode) as client:
        await client.list_tools()
        result = await client.call_tool("up__read_item", {"suffix": "42"})
    assert not result.is_error
    assert result.structured_content["status"] == "succeeded"
    assert result.structured_content["result"] == {"path": "/items/42", "ok": True}
    assert '"/items/42"' in result.content[0].text
    assert [r["path"] for r in upstream.requests] == ["/items/42"]
    events = live.audit_of(result.structured_content["call_id"])
    assert [e["type"] for e in events] == [
        "call.requested", "policy.decided", "call.started", "call.succeeded",
    ]  # fmt: skip
    assert agents_of(events) == {"test-agent"}


@MODES
async def test_a_denied_call_is_a_tool_error_naming_the_rule(live, mcp_client, upstream, mode):
    async with mcp_client(mode) as client:
        await client.list_tools()
        result = await client.call_tool("up__wipe", {"suffix": "all"})
    assert result.is_error
    error = result.structured_content["error"]
    assert error["code"] == "policy_denied"
    assert error["rule"]
    assert error["rule"] in result.content[0].text
    assert upstream.requests == []
    events = live.audit_of(error["call_id"])
    assert [e["type"] for e in events][:2] == ["call.requested", "policy.decided"]
    assert agents_of(events) == {"test-agent"}


@MODES
async def test_invalid_arguments_are_a_tool_error_with_pointers(live, mcp_client, mode):
    async with mcp_client(mode) as client:
        await client.list_tools()
        result = await client.call_tool("up__read_item", {"suffix": 7})
    assert result.is_error
    assert result.structured_content["error"]["code"] == "invalid_arguments"
    assert "/suffix" in result.content[0].text


async def test_rate_limits_and_upstream_failures_are_tool_errors(live, mcp_client, upstream):
    rule = live.operator.post(
        "/api/v1/policies",
        json={
            "effect": "allow",
            "action": "up.read_item",
            "rate_limit": {"calls": 1, "window_seconds": 60},
        },
    )
    assert rule.status_code == 201, rule.text
    publish(live.operator, "up", "broken", "read", path="/fail")
    async with mcp_client("legacy") as client:
        await client.list_tools()
        first = await client.call_tool("up__read_item", {"suffix": "1"})
        limited = await client.call_tool("up__read_item", {"suffix": "2"})
        failed = await client.call_tool("up__broken", {"suffix": "x"})
    assert not first.is_error
    assert limited.is_error
    assert limited.structured_content["error"]["code"] == "rate_limited"
    assert float(limited.structured_content["error"]["retry_after"]) > 0
    assert failed.is_error
    assert failed.structured_content["error"]["code"] == "upstream_failed"
    call_id = failed.structured_content["error"]["call_id"]
    assert live.audit_of(call_id)[-1]["type"] == "call.failed"


def approve_when_pending(live, seen_progress: threading.Event) -> threading.Thread:
    """As the operator: once a progress notification arrived, approve the pending approval."""

    def approve() -> None:
        assert seen_progress.wait(15), "no progress notification while the tool waited"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pending = live.operator.get("/api/v1/approvals", params={"status": "pending"}).json()
            if pending:
                answer = live.operator.post(
                    f"/api/v1/approvals/{pending[0]['id']}/approve", json={}
                )
                assert answer.status_code == 200, answer.text
                return
            time.sleep(0.05)

    thread = threading.Thread(target=approve, daemon=True)
    thread.start()
    return thread


@MODES
async def test_a_call_waits_for_approval_with_progress_then_returns_the_result(
    live, mcp_client, upstream, mode
):
    seen = threading.Event()
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))
        seen.set()

    approver = approve_when_pending(live, seen)
    async with mcp_client(mode) as client:
        await client.list_tools()
        result = await client.call_tool("up__touch", {"suffix": "7"}, progress_callback=on_progress)
    approver.join(5)
    assert not result.is_error, result.content
    assert result.structured_content["result"]["path"] == "/items/7"
    assert progress
    assert progress[0][1] == 20
    assert "waiting for the operator" in (progress[0][2] or "")
    events = live.audit_of(result.structured_content["call_id"])
    assert agents_of(events) == {"test-agent"}
    assert "approval.approved" in [e["type"] for e in events]
    assert events[-1]["type"] == "call.succeeded"


@MODES
async def test_pending_approval_answers_with_the_call_id_and_status_tool(
    live, mcp_client, upstream, mode
):
    live.node.settings.mcp_approval_wait_seconds = 0.3
    async with mcp_client(mode) as client:
        await client.list_tools()
        pending = await client.call_tool("up__touch", {"suffix": "8"})
        assert not pending.is_error
        assert pending.structured_content["status"] == "pending_approval"
        call_id = pending.structured_content["call_id"]
        assert "harbor_call_status" in pending.content[0].text
        still = await client.call_tool("harbor_call_status", {"call_id": call_id})
        assert still.structured_content["status"] == "pending_approval"

        approval = pending.structured_content["approval_id"]
        denied = live.operator.post(
            f"/api/v1/approvals/{approval}/deny", json={"reason": "not today"}
        )
        assert denied.status_code == 200, denied.text
        final = await client.call_tool("harbor_call_status", {"call_id": call_id, "wait": 5})
        missing = await client.call_tool(
            "harbor_call_status", {"call_id": "call_000000000000000000000000"}
        )
    assert final.is_error
    assert final.structured_content["status"] == "denied"
    assert "not today" in final.content[0].text
    assert missing.is_error
    assert missing.structured_content["error"]["code"] == "not_found"
    assert upstream.requests == []


async def test_another_agents_call_is_not_visible_through_the_status_tool(live, mcp_client):
    live.node.settings.mcp_approval_wait_seconds = 0
    other = live.new_agent("other", ["up.*"])
    async with mcp_client("legacy") as client:
        await client.list_tools()
        pending = await client.call_tool("up__touch", {"suffix": "9"})
    call_id = pending.structured_content["call_id"]
    async with mcp_client("legacy", key=other) as client:
        peek = await client.call_tool("harbor_call_status", {"call_id": call_id})
    assert peek.is_error
    assert peek.structured_content["error"]["code"] == "not_found"


def change_action_state(live, action: str, state: str) -> None:
    changed = live.operator.patch(f"/api/v1/ports/up/actions/{action}", json={"state": state})
    assert changed.status_code == 200, changed.text


async def test_legacy_sessions_hear_list_changed_on_publish_and_disable(live, mcp_client):
    heard = anyio.Event()
    count = 0

    async def on_message(message) -> None:
        nonlocal count, heard
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            count += 1
            heard.set()

    async with mcp_client("legacy", message_handler=on_message) as client:
        assert client.server_capabilities.tools.list_changed is True
        await client.list_tools()
        await anyio.to_thread.run_sync(publish_more, live)
        with anyio.fail_after(10):
            await heard.wait()
        assert "up__fetch" in tools_by_name(await client.list_tools())
        heard = anyio.Event()
        await anyio.to_thread.run_sync(change_action_state, live, "fetch", "disabled")
        with anyio.fail_after(10):
            await heard.wait()
        assert "up__fetch" not in tools_by_name(await client.list_tools())
    assert count == 2


def publish_more(live) -> None:
    publish(live.operator, "up", "fetch", "read")


async def test_modern_clients_hear_list_changed_through_listen(live, mcp_client):
    async with mcp_client("auto") as client:
        assert client.protocol_version == "2026-07-28"
        assert client.server_capabilities.tools.list_changed is True
        async with client.listen(tools_list_changed=True) as subscription:
            await anyio.to_thread.run_sync(change_action_state, live, "wipe", "archived")
            with anyio.fail_after(10):
                async for _event in subscription:
                    break
        assert "up__wipe" not in tools_by_name(await client.list_tools())


async def test_a_change_made_elsewhere_reaches_a_session_on_its_next_request(live, mcp_client):
    """Another worker's change is not announced here; the session hears on its next call."""
    from harbor.runtime.events import tool_list_changes

    heard = anyio.Event()

    async def on_message(message) -> None:
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            heard.set()

    async with mcp_client("legacy", message_handler=on_message) as client:
        await client.list_tools()
        silenced = tool_list_changes._listeners.copy()
        tool_list_changes._listeners.clear()  # as if the change happened in another process
        try:
            await anyio.to_thread.run_sync(change_action_state, live, "wipe", "disabled")
        finally:
            tool_list_changes._listeners.update(silenced)
        assert not heard.is_set()
        await client.call_tool("up__read_item", {"suffix": "1"})
        with anyio.fail_after(5):
            await heard.wait()


async def test_operator_tokens_and_missing_keys_are_refused(live, operator_token):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(base_url=live.url) as http:
        anonymous = http.post("/mcp", json=body, headers=headers)
        operator = http.post(
            "/mcp", json=body, headers={**headers, "Authorization": f"Bearer {operator_token}"}
        )
        foreign = http.post(
            "/mcp",
            json=body,
            headers={**headers, "Authorization": f"Bearer {live.agent_key}",
                     "Origin": "https://evil.example"},
        )  # fmt: skip
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert operator.status_code == 403
    assert "agent key" in operator.json()["detail"]
    assert foreign.status_code == 403


async def test_a_session_answers_only_to_the_key_that_opened_it(live):
    other = live.new_agent("intruder", ["*.*"])
    with httpx.Client(base_url=live.url) as http:
        opened = http.post(
            "/mcp",
            json={
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                           "clientInfo": {"name": "t", "version": "1"}},
            },
            headers={"Accept": "application/json, text/event-stream",
                     "Authorization": f"Bearer {live.agent_key}"},
        )  # fmt: skip
        assert opened.status_code == 200, opened.text
        session = opened.headers["mcp-session-id"]
        hijack = http.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
            headers={"Accept": "application/json, text/event-stream",
                     "Authorization": f"Bearer {other}", "Mcp-Session-Id": session,
                     "MCP-Protocol-Version": "2025-11-25"},
        )  # fmt: skip
    assert hijack.status_code == 404


async def test_unknown_tools_are_tool_errors_not_protocol_failures(live, mcp_client):
    async with mcp_client("legacy") as client:
        unpublished = await client.session.call_tool("up__nothing", {})
        not_a_tool = await client.session.call_tool("not-a-tool", {})
    assert unpublished.is_error
    assert unpublished.structured_content["error"]["code"] == "not_found"
    assert not_a_tool.is_error
    assert not_a_tool.structured_content["error"]["code"] == "not_found"
