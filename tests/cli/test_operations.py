"""Operator commands against a live node: approvals, calls, pause, suspend, policies."""

from __future__ import annotations

import json

import httpx
import pytest

from harbor.api.app import create_app
from tests.api.calls_fixtures import call, make_port, publish
from tests.conftest import serving


@pytest.fixture
def live(harbor_node, operator_token, agent_key, loop_connector, upstream, cli_home, monkeypatch):
    """The test node served by uvicorn on loopback in a thread, with ``up.touch`` published.

    Yields an agent HTTP client; HARBOR_URL and HARBOR_TOKEN point the CLI at the node.
    """
    with serving(create_app(node=harbor_node)) as url:
        monkeypatch.setenv("HARBOR_URL", url)
        monkeypatch.setenv("HARBOR_TOKEN", operator_token)
        operator = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {operator_token}"})
        make_port(operator, upstream.url)
        publish(operator, "up", "touch", "write")
        agent = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {agent_key}"})
        try:
            yield agent
        finally:
            agent.close()
            operator.close()


def run_ok(harbor_cli, *args: str) -> str:
    result = harbor_cli(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_approve_and_deny_from_the_terminal(live, harbor_cli, upstream):
    first = call(live, "up.touch", {"suffix": "one"}).json()
    second = call(live, "up.touch", {"suffix": "two"}).json()
    pending = json.loads(run_ok(harbor_cli, "approvals", "list", "--json"))
    assert {a["id"] for a in pending} == {first["approval_id"], second["approval_id"]}

    run_ok(
        harbor_cli, "approvals", "approve", first["approval_id"], "--arguments", '{"suffix": "1"}'
    )
    run_ok(harbor_cli, "approvals", "deny", second["approval_id"], "--reason", "no")
    done = live.get(f"/api/v1/calls/{first['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded"
    assert done["edited"] is True
    assert live.get(f"/api/v1/calls/{second['id']}").json()["reason"] == "no"
    assert [r["path"] for r in upstream.requests] == ["/items/1"]

    listed = json.loads(run_ok(harbor_cli, "calls", "list", "--json"))
    assert {c["status"] for c in listed["calls"]} == {"succeeded", "denied"}
    shown = json.loads(run_ok(harbor_cli, "calls", "show", first["id"]))
    assert shown["action"] == "up.touch"

    again = harbor_cli("approvals", "approve", first["approval_id"])
    assert again.exit_code == 1
    assert "already approved" in again.stderr
    bad = harbor_cli("approvals", "approve", second["approval_id"], "--arguments", "[1]")
    assert bad.exit_code == 1
    assert bad.stderr == "error: --arguments must be a JSON object\n"


def test_pause_resume_and_suspend_from_the_terminal(live, harbor_cli):
    run_ok(harbor_cli, "pause", "--reason", "incident 7")
    refused = call(live, "up.touch", {"suffix": "x"})
    assert refused.status_code == 503
    assert "incident 7" in refused.json()["detail"]
    assert harbor_cli("pause").exit_code == 1
    run_ok(harbor_cli, "resume")
    assert call(live, "up.touch", {"suffix": "x"}).status_code == 202
    run_ok(harbor_cli, "agents", "suspend", "test-agent")
    assert call(live, "up.touch", {"suffix": "x"}).json()["code"] == "paused"
    run_ok(harbor_cli, "agents", "resume", "test-agent")
    assert call(live, "up.touch", {"suffix": "x"}).status_code == 202


def test_policies_from_the_terminal(live, harbor_cli):
    added = run_ok(
        harbor_cli, "policies", "add", "allow", "--action", "up.touch", "--agent", "test-agent",
        "--arguments-schema", '{"properties": {"suffix": {"const": "ok"}}}',
        "--rate-limit", "5/60",
    )  # fmt: skip
    assert "rule" in added
    rules = json.loads(run_ok(harbor_cli, "policies", "list", "--json"))
    assert rules[0]["rate_limit"] == {"calls": 5, "window_seconds": 60}
    explained = json.loads(
        run_ok(harbor_cli, "policies", "explain", "test-agent", "up.touch", "--arguments",
               '{"suffix": "ok"}')
    )  # fmt: skip
    assert explained["effect"] == "allow"
    assert call(live, "up.touch", {"suffix": "ok"}).status_code == 200
    assert call(live, "up.touch", {"suffix": "other"}).status_code == 202
    bad = harbor_cli("policies", "add", "allow", "--rate-limit", "lots")
    assert bad.exit_code == 1
    assert "CALLS/SECONDS" in bad.stderr
    run_ok(harbor_cli, "policies", "remove", str(rules[0]["id"]))
    assert json.loads(run_ok(harbor_cli, "policies", "list", "--json")) == []


def test_audit_list_export_and_prune_from_the_terminal(live, harbor_cli):
    body = call(live, "up.touch", {"suffix": "a"}).json()
    listed = json.loads(run_ok(harbor_cli, "audit", "list", "--call", body["id"], "--json"))
    types = [e["type"] for e in listed["events"]]
    assert types == ["approval.requested", "policy.decided", "call.requested"]
    exported = run_ok(harbor_cli, "audit", "export", "--type", "call.")
    lines = [json.loads(line) for line in exported.splitlines() if line.strip()]
    assert [e["type"] for e in lines] == ["call.requested"]
    assert lines[0]["call_id"] == body["id"]
    bad = harbor_cli("audit", "list", "--since", "yesterday-ish")
    assert bad.exit_code != 0
    assert "Traceback" not in bad.stderr
