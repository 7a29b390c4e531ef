"""The governed call over the API: run, wait for approval, refuse; idempotency; failures."""

from __future__ import annotations

import pytest

from tests.api.calls_fixtures import call, make_port, publish


@pytest.fixture
def actions(operator_client, loop_connector, upstream):
    """``up.read_item`` (read), ``up.touch`` (write), ``up.wipe`` (destructive)."""
    make_port(operator_client, upstream.url)
    return {
        "read": publish(operator_client, "up", "read_item", "read"),
        "write": publish(operator_client, "up", "touch", "write"),
        "destructive": publish(operator_client, "up", "wipe", "destructive"),
    }


def events_of(operator_client, call_id):
    page = operator_client.get("/api/v1/audit", params={"call": call_id, "limit": 50}).json()
    return [e["type"] for e in reversed(page["events"])]


def test_agent_lists_only_what_its_scopes_allow(actions, agent_client, operator_client, harbor_app):
    from starlette.testclient import TestClient

    listed = agent_client.get("/api/v1/actions").json()
    assert {a["name"] for a in listed} == set(actions.values())
    read = next(a for a in listed if a["name"] == "up.read_item")
    assert read["risk"] == "read"
    assert read["input_schema"]["required"] == ["suffix"]
    narrow = operator_client.post(
        "/api/v1/agents", json={"name": "narrow", "scopes": ["up.read_*"]}
    )
    with TestClient(harbor_app, base_url="http://testserver") as other:
        other.headers["Authorization"] = f"Bearer {narrow.json()['key']['key']}"
        assert [a["name"] for a in other.get("/api/v1/actions").json()] == ["up.read_item"]
        refused = call(other, "up.touch", {"suffix": "x"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


def test_an_allowed_read_runs_at_once_and_is_audited_in_order(
    actions, agent_client, operator_client, upstream
):
    response = call(agent_client, actions["read"], {"suffix": "42", "pin": "1234"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["result"] == {"path": "/items/42", "ok": True}
    assert body["decision"]["effect"] == "allow"
    assert body["arguments"]["suffix"] == "42"
    assert body["arguments"]["pin"] != "1234"  # sensitive: redacted
    assert upstream.requests[-1]["path"] == "/items/42"
    assert upstream.requests[-1]["headers"]["traceparent"].split("-")[1] == body["trace_id"]
    assert events_of(operator_client, body["id"]) == [
        "call.requested",
        "policy.decided",
        "call.started",
        "call.succeeded",
    ]


def test_bad_arguments_list_every_problem_with_its_pointer(actions, agent_client, upstream):
    response = call(agent_client, actions["read"], {"suffix": "x" * 30, "extra": 1})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_arguments"
    pointers = {e["pointer"] for e in problem["errors"]}
    assert "/suffix" in pointers
    assert "" in pointers  # additionalProperties is reported on the object itself
    assert upstream.requests == []


def test_a_write_waits_for_approval_and_then_runs_once(
    actions, agent_client, operator_client, upstream
):
    pending = call(agent_client, actions["write"], {"suffix": "7"})
    assert pending.status_code == 202, pending.text
    body = pending.json()
    assert body["status"] == "pending_approval"
    assert upstream.requests == []
    approval_id = body["approval_id"]

    assert agent_client.post(f"/api/v1/approvals/{approval_id}/approve", json={}).status_code == 403
    listed = operator_client.get("/api/v1/approvals", params={"status": "pending"}).json()
    assert [a["id"] for a in listed] == [approval_id]
    approved = operator_client.post(
        f"/api/v1/approvals/{approval_id}/approve", json={"note": "fine"}
    )
    assert approved.status_code == 200, approved.text
    done = agent_client.get(f"/api/v1/calls/{body['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded"
    assert done["result"]["path"] == "/items/7"
    again = operator_client.post(f"/api/v1/approvals/{approval_id}/approve", json={})
    assert again.status_code == 409
    assert [r["path"] for r in upstream.requests] == ["/items/7"]
    assert "approval.approved" in events_of(operator_client, body["id"])


def test_approve_with_edits_runs_the_edited_arguments(
    actions, agent_client, operator_client, upstream
):
    body = call(agent_client, actions["write"], {"suffix": "old"}).json()
    bad = operator_client.post(
        f"/api/v1/approvals/{body['approval_id']}/approve", json={"arguments": {"suffix": 5}}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "/arguments/suffix"
    edited = operator_client.post(
        f"/api/v1/approvals/{body['approval_id']}/approve", json={"arguments": {"suffix": "new"}}
    )
    assert edited.status_code == 200
    done = agent_client.get(f"/api/v1/calls/{body['id']}", params={"wait": 10}).json()
    assert done["edited"] is True
    assert done["arguments"] == {"suffix": "new"}
    assert upstream.requests[-1]["path"] == "/items/new"


def test_a_denial_carries_the_reason_to_the_agent(actions, agent_client, operator_client, upstream):
    body = call(agent_client, actions["write"], {"suffix": "7"}).json()
    denied = operator_client.post(
        f"/api/v1/approvals/{body['approval_id']}/deny", json={"reason": "not today"}
    )
    assert denied.status_code == 200
    seen = agent_client.get(f"/api/v1/calls/{body['id']}").json()
    assert seen["status"] == "denied"
    assert seen["reason"] == "not today"
    assert upstream.requests == []


def test_destructive_is_denied_by_default_naming_the_rule(actions, agent_client, upstream):
    response = call(agent_client, actions["destructive"], {"suffix": "all"})
    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "policy_denied"
    assert problem["rule"]
    assert problem["call_id"].startswith("call_")
    assert upstream.requests == []


def test_same_idempotency_key_returns_the_same_call(actions, agent_client, upstream):
    first = call(agent_client, actions["read"], {"suffix": "1"}, **{"Idempotency-Key": "k-1"})
    second = call(agent_client, actions["read"], {"suffix": "1"}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert len(upstream.requests) == 1
    other = call(agent_client, actions["read"], {"suffix": "2"}, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_mismatch"


def test_idempotency_keys_are_scoped_per_agent(
    actions, agent_client, operator_client, harbor_app, upstream
):
    from starlette.testclient import TestClient

    mine = call(agent_client, actions["read"], {"suffix": "1"}, **{"Idempotency-Key": "shared"})
    key = operator_client.post("/api/v1/agents", json={"name": "twin", "scopes": ["*.*"]}).json()
    with TestClient(harbor_app, base_url="http://testserver") as twin:
        twin.headers["Authorization"] = f"Bearer {key['key']['key']}"
        theirs = call(twin, actions["read"], {"suffix": "1"}, **{"Idempotency-Key": "shared"})
    assert theirs.status_code == 200
    assert theirs.json()["id"] != mine.json()["id"]
    assert len(upstream.requests) == 2


def test_an_upstream_failure_is_stored_and_reads_are_retried(
    operator_client, agent_client, loop_connector, upstream
):
    make_port(operator_client, upstream.url)
    read = publish(operator_client, "up", "read_fail", "read", path="/fail")
    response = call(agent_client, read, {"suffix": "x"})
    assert response.status_code == 502
    problem = response.json()
    assert problem["code"] == "upstream_failed"
    stored = agent_client.get(f"/api/v1/calls/{problem['call_id']}").json()
    assert stored["status"] == "failed"
    assert stored["error"]["code"] == "upstream_failed"
    assert len(upstream.requests) == 3  # a read is safe to repeat: three attempts


def test_a_write_is_not_repeated_after_a_retryable_failure(
    operator_client, agent_client, loop_connector, upstream
):
    make_port(operator_client, upstream.url)
    write = publish(operator_client, "up", "write_fail", "write", path="/fail")
    body = call(agent_client, write, {"suffix": "x"}).json()
    operator_client.post(f"/api/v1/approvals/{body['approval_id']}/approve", json={})
    done = agent_client.get(f"/api/v1/calls/{body['id']}", params={"wait": 10}).json()
    assert done["status"] == "failed"
    assert len(upstream.requests) == 1


def test_a_slow_service_is_a_504_within_the_budget(
    operator_client, agent_client, loop_connector, upstream, harbor_node
):
    harbor_node.settings.call_timeout_seconds = 0.5
    make_port(operator_client, upstream.url)
    slow = publish(operator_client, "up", "read_slow", "read", path="/slow")
    response = call(agent_client, slow, {"suffix": "x"})
    assert response.status_code == 504
    assert response.json()["code"] == "upstream_timeout"


def test_loopback_is_refused_unless_the_port_allows_it(
    operator_client, agent_client, loop_connector, upstream
):
    make_port(operator_client, upstream.url, name="closed", private_ok=False)
    action = publish(operator_client, "closed", "read_item", "read")
    response = call(agent_client, action, {"suffix": "x"})
    assert response.status_code == 502
    assert "127.0.0.1" in response.json()["detail"]
    assert upstream.requests == []


def test_a_port_without_its_secret_is_not_ready(
    operator_client, agent_client, loop_connector, upstream
):
    make_port(operator_client, upstream.url)
    action = publish(operator_client, "up", "read_item", "read")
    operator_client.delete("/api/v1/ports/up/secrets/token")
    response = call(agent_client, action, {"suffix": "x"})
    assert response.status_code == 409
    assert response.json()["code"] == "port_not_ready"
    assert "needs_secrets" in response.json()["detail"]


def test_cancel_only_by_its_agent_while_pending(actions, agent_client, operator_client, harbor_app):
    from starlette.testclient import TestClient

    body = call(agent_client, actions["write"], {"suffix": "7"}).json()
    assert operator_client.post(f"/api/v1/calls/{body['id']}/cancel").status_code == 403
    key = operator_client.post("/api/v1/agents", json={"name": "other", "scopes": ["*.*"]}).json()
    with TestClient(harbor_app, base_url="http://testserver") as other:
        other.headers["Authorization"] = f"Bearer {key['key']['key']}"
        assert other.get(f"/api/v1/calls/{body['id']}").status_code == 404
        assert other.post(f"/api/v1/calls/{body['id']}/cancel").status_code == 404
        assert other.get("/api/v1/calls").json()["calls"] == []
    cancelled = agent_client.post(f"/api/v1/calls/{body['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert agent_client.post(f"/api/v1/calls/{body['id']}/cancel").status_code == 409
    approval = operator_client.get(f"/api/v1/approvals/{body['approval_id']}").json()
    assert approval["status"] == "cancelled"


def test_pause_refuses_every_call_until_resumed(actions, agent_client, operator_client, upstream):
    assert agent_client.post("/api/v1/node/pause", json={}).status_code == 403
    paused = operator_client.post("/api/v1/node/pause", json={"reason": "incident"}).json()
    assert paused["paused"] is True
    assert paused["by"] == "owner"
    refused = call(agent_client, actions["read"], {"suffix": "1"})
    assert refused.status_code == 503
    assert refused.json()["code"] == "paused"
    assert "incident" in refused.json()["detail"]
    assert operator_client.post("/api/v1/node/resume").json()["paused"] is False
    assert call(agent_client, actions["read"], {"suffix": "1"}).status_code == 200
    assert len(upstream.requests) == 1


def test_one_agent_can_be_suspended(actions, agent_client, operator_client):
    assert operator_client.post("/api/v1/agents/test-agent/suspend", json={}).status_code == 200
    assert call(agent_client, actions["read"], {"suffix": "1"}).json()["code"] == "paused"
    assert operator_client.post("/api/v1/agents/test-agent/resume").status_code == 200
    assert call(agent_client, actions["read"], {"suffix": "1"}).status_code == 200


def test_approve_and_remember_lets_the_next_call_run(actions, agent_client, operator_client):
    body = call(agent_client, actions["write"], {"suffix": "7"}).json()
    operator_client.post(
        f"/api/v1/approvals/{body['approval_id']}/approve",
        json={"remember": True, "remember_arguments": True},
    )
    same = call(agent_client, actions["write"], {"suffix": "7"})
    assert same.status_code == 200, same.text
    different = call(agent_client, actions["write"], {"suffix": "8"})
    assert different.status_code == 202
    rules = operator_client.get("/api/v1/policies").json()
    assert rules[0]["agent"] == "test-agent"
    assert rules[0]["effect"] == "allow"


def test_the_audit_being_down_refuses_the_call_and_nothing_goes_out(
    actions, agent_client, upstream, harbor_node, monkeypatch
):
    real = harbor_node.audit.record

    def failing(session, actor, type, *args, **kwargs):
        if type == "call.started":
            raise OSError("disk full")
        return real(session, actor, type, *args, **kwargs)

    monkeypatch.setattr(harbor_node.audit, "record", failing)
    response = call(agent_client, actions["read"], {"suffix": "1"})
    assert response.status_code == 503
    assert response.json()["code"] == "audit_unavailable"
    assert upstream.requests == []
    monkeypatch.setattr(harbor_node.audit, "record", real)
    assert agent_client.get("/api/v1/calls").json()["calls"] == []


def test_calls_list_filters_and_paginates(actions, agent_client):
    for n in range(3):
        call(agent_client, actions["read"], {"suffix": str(n)})
    call(agent_client, actions["write"], {"suffix": "w"})
    first = agent_client.get("/api/v1/calls", params={"limit": 2}).json()
    assert len(first["calls"]) == 2
    rest = agent_client.get(
        "/api/v1/calls", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    ids = [c["id"] for c in first["calls"] + rest["calls"]]
    assert len(set(ids)) == 4
    assert rest["next_cursor"] is None
    pending = agent_client.get("/api/v1/calls", params={"status": "pending_approval"}).json()
    assert [c["action"] for c in pending["calls"]] == [actions["write"]]
    assert agent_client.get("/api/v1/calls", params={"cursor": "nonsense!"}).status_code == 422


def test_an_operator_token_cannot_make_calls(actions, operator_client, upstream):
    response = call(operator_client, actions["read"], {"suffix": "1"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert upstream.requests == []


def test_remembered_arguments_never_include_sensitive_values(
    actions, agent_client, operator_client
):
    body = call(agent_client, actions["write"], {"suffix": "7", "pin": "9999"}).json()
    operator_client.post(
        f"/api/v1/approvals/{body['approval_id']}/approve",
        json={"remember": True, "remember_arguments": True},
    )
    rule = operator_client.get("/api/v1/policies").json()[0]
    assert "9999" not in str(rule)
    assert rule["arguments_schema"]["properties"] == {"suffix": {"const": "7"}}
    assert call(agent_client, actions["write"], {"suffix": "7", "pin": "0000"}).status_code == 200


def test_an_approved_call_on_a_port_disabled_meanwhile_does_not_run(
    actions, agent_client, operator_client, upstream
):
    body = call(agent_client, actions["write"], {"suffix": "7"}).json()
    assert operator_client.patch("/api/v1/ports/up", json={"disabled": True}).status_code == 200
    operator_client.post(f"/api/v1/approvals/{body['approval_id']}/approve", json={})
    done = agent_client.get(f"/api/v1/calls/{body['id']}", params={"wait": 10}).json()
    assert done["status"] == "failed"
    assert done["error"]["code"] == "port_not_ready"
    assert upstream.requests == []
