"""The agent's side of the synchronous SDK against a real node: actions, calls, waiting."""

from __future__ import annotations

import pytest

from harbor_client import CallStillPending, HarborClient
from harbor_client.errors import (
    ApprovalDenied,
    ApprovalExpired,
    CallCancelled,
    PolicyDenied,
)


def test_lists_the_actions_the_key_may_call_with_schema_and_risk(agent):
    actions = {a.name: a for a in agent.list_actions()}
    assert set(actions) == {"up.read", "up.touch"}
    assert actions["up.read"].risk == "read"
    assert actions["up.touch"].description == "touch an item"
    assert actions["up.touch"].input_schema["required"] == ["suffix"]


def test_an_allowed_call_returns_its_result(agent, upstream):
    done = agent.call("up.read", {"suffix": "a1"})
    assert done.status == "succeeded"
    assert not done.pending
    assert done.result == {"path": "/items/a1", "ok": True}
    assert [r["path"] for r in upstream.requests] == ["/items/a1"]


def test_a_call_needing_approval_returns_a_pending_handle_then_waits(agent, operator):
    handle = agent.call("up.touch", {"suffix": "t1"})
    assert handle.pending
    assert handle.status == "pending_approval"
    with pytest.raises(CallStillPending) as still:
        agent.wait_for(handle, timeout=0.2)
    assert still.value.call.id == handle.id
    operator.approve(handle.approval_id, note="fine")
    done = agent.wait_for(handle, timeout=10)
    assert done.result == {"path": "/items/t1", "ok": True}
    assert agent.get_call(handle.id).status == "succeeded"


def test_call_waits_for_the_operator_and_returns_the_result(agent, decide_soon):
    decide_soon("approve", arguments={"suffix": "edited"})
    done = agent.call("up.touch", {"suffix": "t2"}, wait=10)
    assert done.status == "succeeded"
    assert done.edited is True
    assert done.result["path"] == "/items/edited"


def test_an_operator_denial_raises_approval_denied_with_the_reason(agent, decide_soon):
    decide_soon("deny", reason="not on a Friday")
    with pytest.raises(ApprovalDenied) as denied:
        agent.call("up.touch", {"suffix": "t3"}, wait=10)
    assert denied.value.reason == "not on a Friday"
    assert denied.value.call_id
    assert isinstance(denied.value, PolicyDenied)


def test_an_expired_approval_raises_approval_expired(agent, live_node):
    handle = agent.call("up.touch", {"suffix": "t4"})
    live_node.expire_approvals()
    with pytest.raises(ApprovalExpired) as expired:
        agent.wait_for(handle.id, timeout=10)
    assert expired.value.call_id == handle.id


def test_cancel_stops_a_pending_call_for_good(agent, upstream):
    handle = agent.call("up.touch", {"suffix": "t5"})
    cancelled = agent.cancel(handle)
    assert cancelled.status == "cancelled"
    with pytest.raises(CallCancelled):
        agent.wait_for(handle, timeout=1)
    assert upstream.requests == []


def test_an_idempotency_key_answers_a_retry_with_the_first_call(agent, upstream):
    first = agent.call("up.read", {"suffix": "i1"}, idempotency_key="retry-1")
    again = agent.call("up.read", {"suffix": "i1"}, idempotency_key="retry-1")
    assert again.id == first.id
    assert len(upstream.requests) == 1


def test_an_agent_sees_only_its_own_calls(agent, operator, live_node):
    agent.call("up.read", {"suffix": "mine"})
    other = operator.create_agent("other-bot", scopes=["up.*"])
    with HarborClient(live_node.url, other.key.key) as other_agent:
        assert other_agent.list_calls().calls == []
    assert [c.arguments["suffix"] for c in agent.list_calls().calls] == ["mine"]


def test_url_and_key_come_from_the_environment(live_node, monkeypatch):
    monkeypatch.setenv("HARBOR_URL", live_node.url)
    monkeypatch.setenv("HARBOR_KEY", live_node.agent_key)
    with HarborClient() as client:
        assert client.url == live_node.url
        assert client.whoami().name == "test-agent"
