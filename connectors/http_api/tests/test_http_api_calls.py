"""End to end over the API: a port, its secret, a published action, an agent's call."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import TOKEN

PORT = "api"
INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "owner": {"type": "string", "minLength": 1},
        "repo": {"type": "string", "minLength": 1},
        "state": {"type": "string"},
    },
    "required": ["owner", "repo"],
    "additionalProperties": False,
}
LIST_ISSUES = {
    "method": "GET",
    "path": "/repos/{owner}/{repo}/issues",
    "query": {"state": "{state}"},
    "response": {"pick": {"first": "/0/title", "count": "/2"}},
}


def make_port(client: Any, url: str, private_ok: bool = True, name: str = PORT) -> str:
    """An ``http_api`` port on ``url`` with bearer auth and its token set."""
    config: dict[str, Any] = {"base_url": url, "auth": {"type": "bearer"}}
    if private_ok:
        config["allow_private_hosts"] = ["127.0.0.1"]
    created = client.post(
        "/api/v1/ports", json={"name": name, "connector": "http_api", "config": config}
    )
    assert created.status_code == 201, created.text
    secret = client.put(f"/api/v1/ports/{name}/secrets/bearer_token", json={"value": TOKEN})
    assert secret.status_code == 200, secret.text
    return name


def publish(
    client: Any,
    action: str,
    definition: dict[str, Any],
    risk: str = "read",
    input_schema: dict[str, Any] | None = None,
    port: str = PORT,
) -> str:
    """Draft, validate and publish ``port.action`` (forced past the test run)."""
    draft = client.post(
        f"/api/v1/ports/{port}/drafts",
        json={
            "action": action,
            "kind": "request",
            "description": f"{action} for the tests",
            "risk": risk,
            "input_schema": input_schema or INPUT_SCHEMA,
            "definition": definition,
        },
    )
    assert draft.status_code == 201, draft.text
    draft_id = draft.json()["id"]
    validated = client.post(f"/api/v1/drafts/{draft_id}/validate", json={})
    assert validated.status_code == 200, validated.text
    assert validated.json()["status"] == "validated", validated.text
    published = client.post(f"/api/v1/drafts/{draft_id}/publish", json={"force": True})
    assert published.status_code == 200, published.text
    return f"{port}.{action}"


def call(client: Any, action: str, arguments: dict[str, Any]) -> Any:
    """POST /api/v1/calls."""
    return client.post("/api/v1/calls", json={"action": action, "arguments": arguments})


@pytest.fixture
def list_issues(operator_client, server) -> str:
    """``api.list_issues``: a read on the recording server, picking two values."""
    make_port(operator_client, server.url)
    return publish(operator_client, "list_issues", LIST_ISSUES)


def test_an_agent_call_reaches_the_service_with_the_token_and_gets_the_picked_result(
    list_issues, agent_client, server
):
    server.reply("/repos/", 200, [{"title": "first"}, {"title": "second"}, "third"])
    response = call(agent_client, list_issues, {"owner": "acme co", "repo": "a/b", "state": "open"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["result"] == {"first": "first", "count": "third"}
    seen = server.requests[-1]
    assert seen["raw_path"] == "/repos/acme%20co/a%2Fb/issues?state=open"
    assert seen["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in response.text


@pytest.mark.parametrize(
    "owner", ["../admin", "%2e%2e", "@evil.test", "//evil.test", "http://evil.test"]
)
def test_traversal_and_host_injection_fail_the_call_before_any_request(
    list_issues, agent_client, server, owner
):
    response = call(agent_client, list_issues, {"owner": owner, "repo": "r"})
    assert response.status_code == 502, response.text
    assert response.json()["code"] == "upstream_failed"
    assert server.requests == []


def test_a_port_without_allow_private_hosts_cannot_reach_loopback(
    operator_client, agent_client, server
):
    make_port(operator_client, server.url, private_ok=False)
    action = publish(operator_client, "list_issues", LIST_ISSUES)
    response = call(agent_client, action, {"owner": "o", "repo": "r"})
    assert response.status_code == 502
    assert "127.0.0.1" in response.json()["detail"]
    assert server.requests == []


def test_a_401_fails_the_call_and_the_port_needs_reconnect(
    list_issues, agent_client, operator_client, server
):
    server.reply("/repos/", 401, {"message": f"bad token {TOKEN}"})
    response = call(agent_client, list_issues, {"owner": "o", "repo": "r"})
    assert response.status_code == 502
    assert TOKEN not in response.text
    assert operator_client.get(f"/api/v1/ports/{PORT}").json()["status"] == "needs_reconnect"


def test_a_500_on_a_read_is_retried_by_the_core(list_issues, agent_client, server):
    server.reply("/repos/", 500, {"message": "broke"}, {"Retry-After": "0"})
    response = call(agent_client, list_issues, {"owner": "o", "repo": "r"})
    assert response.status_code == 502
    assert "500" in response.json()["detail"]
    assert len(server.requests) == 3


def test_a_write_from_the_post_json_template_runs_once_after_approval(
    operator_client, agent_client, server
):
    make_port(operator_client, server.url)
    drafts = operator_client.post(
        f"/api/v1/ports/{PORT}/templates/apply", json={"names": ["post_json"]}
    )
    assert drafts.status_code == 201, drafts.text
    draft_id = drafts.json()[0]["id"]
    assert (
        operator_client.post(f"/api/v1/drafts/{draft_id}/validate", json={}).json()["status"]
        == "validated"
    )
    published = operator_client.post(f"/api/v1/drafts/{draft_id}/publish", json={"force": True})
    assert published.status_code == 200, published.text

    pending = call(agent_client, f"{PORT}.post_json", {"body": {"title": "hello", "n": 1}})
    assert pending.status_code == 202, pending.text
    assert server.requests == []
    approval_id = pending.json()["approval_id"]
    approved = operator_client.post(f"/api/v1/approvals/{approval_id}/approve", json={})
    assert approved.status_code == 200, approved.text
    done = agent_client.get(f"/api/v1/calls/{pending.json()['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded", done
    assert done["result"]["json"] == {"title": "hello", "n": 1}
    assert [(r["method"], r["path"]) for r in server.requests] == [("POST", "/items")]


def test_an_invalid_definition_does_not_validate(operator_client, server):
    make_port(operator_client, server.url)
    draft = operator_client.post(
        f"/api/v1/ports/{PORT}/drafts",
        json={
            "action": "broken",
            "kind": "request",
            "description": "broken",
            "risk": "read",
            "input_schema": INPUT_SCHEMA,
            "definition": {"method": "GET", "path": "/repos/{owner/x"},
        },
    )
    report = operator_client.post(f"/api/v1/drafts/{draft.json()['id']}/validate", json={})
    assert report.json()["status"] == "draft"
    errors = report.json()["validation"]["errors"]
    assert errors[0]["pointer"] == "/definition"
    assert "unbalanced" in errors[0]["message"]


def test_the_port_check_uses_the_base_url(operator_client, server):
    make_port(operator_client, server.url)
    checked = operator_client.post(f"/api/v1/ports/{PORT}/check", json={})
    assert checked.status_code == 200, checked.text
    assert checked.json()["last_check"]["ok"] is True
    server.reply("/", 401, b"")
    checked = operator_client.post(f"/api/v1/ports/{PORT}/check", json={}).json()
    assert checked["status"] == "needs_reconnect"
