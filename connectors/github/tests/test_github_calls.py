"""End to end over the API: a github port, its token, template actions, an agent's calls."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import REPO, TOKEN, Reply, issue

PORT = "gh"


def make_port(client: Any, url: str) -> None:
    """A ``github`` port on the fake GitHub with its token set."""
    config = {
        "api_base_url": url,
        "repositories": [REPO],
        "allow_private_hosts": ["127.0.0.1"],
    }
    created = client.post(
        "/api/v1/ports", json={"name": PORT, "connector": "github", "config": config}
    )
    assert created.status_code == 201, created.text
    secret = client.put(f"/api/v1/ports/{PORT}/secrets/token", json={"value": TOKEN})
    assert secret.status_code == 200, secret.text


def publish_templates(client: Any, names: list[str]) -> None:
    """Apply the connector's templates, validate and publish them (forced past the test run)."""
    drafts = client.post(f"/api/v1/ports/{PORT}/templates/apply", json={"names": names})
    assert drafts.status_code == 201, drafts.text
    for draft in drafts.json():
        validated = client.post(f"/api/v1/drafts/{draft['id']}/validate", json={})
        assert validated.status_code == 200, validated.text
        assert validated.json()["status"] == "validated", validated.text
        published = client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"force": True})
        assert published.status_code == 200, published.text


def call(client: Any, action: str, arguments: dict[str, Any]) -> Any:
    """POST /api/v1/calls."""
    return client.post("/api/v1/calls", json={"action": action, "arguments": arguments})


@pytest.fixture
def gh_port(operator_client, github) -> str:
    """Port ``gh`` with get_issue and create_issue published from the templates."""
    make_port(operator_client, github.url)
    publish_templates(operator_client, ["get_issue", "create_issue"])
    return PORT


def test_an_agent_reads_an_issue_through_the_node(gh_port, agent_client, github):
    github.route("GET", f"/repos/{REPO}/issues/7", Reply(200, issue(7)))
    response = call(
        agent_client,
        f"{PORT}.get_issue",
        {"owner": "octo", "repo": "hello-world", "issue_number": 7},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["result"]["number"] == 7
    assert body["result"]["labels"] == ["bug"]
    seen = github.requests[-1]
    assert seen["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert seen["headers"]["x-github-api-version"] == "2022-11-28"
    assert TOKEN not in response.text


def test_a_repository_outside_the_allow_list_fails_the_call_with_nothing_sent(
    gh_port, agent_client, github
):
    response = call(
        agent_client, f"{PORT}.get_issue", {"owner": "octo", "repo": "other", "issue_number": 1}
    )
    assert response.status_code == 502, response.text
    assert "octo/other" in response.json()["detail"]
    assert github.requests == []


def test_a_write_waits_for_approval_and_runs_once(gh_port, agent_client, operator_client, github):
    github.route("POST", f"/repos/{REPO}/issues", Reply(201, issue(12, "From an agent")))
    pending = call(
        agent_client,
        f"{PORT}.create_issue",
        {"owner": "octo", "repo": "hello-world", "title": "From an agent"},
    )
    assert pending.status_code == 202, pending.text
    assert github.requests == []
    approved = operator_client.post(
        f"/api/v1/approvals/{pending.json()['approval_id']}/approve", json={}
    )
    assert approved.status_code == 200, approved.text
    done = agent_client.get(f"/api/v1/calls/{pending.json()['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded", done
    assert done["result"]["number"] == 12
    assert [(r["method"], r["path"], r["json"]) for r in github.requests] == [
        ("POST", f"/repos/{REPO}/issues", {"title": "From an agent"})
    ]


def test_the_port_check_reads_the_allowed_repository(gh_port, operator_client, github):
    github.route("GET", f"/repos/{REPO}", Reply(200, {"full_name": REPO}))
    checked = operator_client.post(f"/api/v1/ports/{PORT}/check", json={})
    assert checked.status_code == 200, checked.text
    assert checked.json()["last_check"]["ok"] is True
    github.route("GET", f"/repos/{REPO}", Reply(401, {"message": "Bad credentials"}))
    checked = operator_client.post(f"/api/v1/ports/{PORT}/check", json={}).json()
    assert checked["status"] == "needs_reconnect"
