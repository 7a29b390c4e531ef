"""``/api/v1/dock``: preview and import of Dock manifests, the starter catalog end to end."""

# The Dock fixtures live in tests/dock/conftest.py and are imported here by name.
# ruff: noqa: F811

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from tests.dock.conftest import (  # noqa: F401 (fixtures)
    MANIFEST_IDS,
    catalog_manifest,
    fake_service,
    publisher_key,
    signed,
    trust,
)

LOOPBACK = {"allowed_hosts": ["127.0.0.1"], "allow_private_hosts": ["127.0.0.1"]}
#: A Standard Webhooks secret for the signed-webhook test (test data, not a credential).
SIGNING_SECRET = "whsec_" + base64.b64encode(b"dock-test-signing-secret-32bytes").decode()


def node_snapshot(client: Any) -> dict[str, Any]:
    """What an import could change: ports, drafts, rules."""
    ports = client.get("/api/v1/ports").json()
    return {
        "ports": [p["name"] for p in ports],
        "drafts": {
            p["name"]: client.get(f"/api/v1/ports/{p['name']}/drafts").json() for p in ports
        },
        "policies": client.get("/api/v1/policies").json(),
    }


# --- The starter catalog: every manifest imports and its actions work -------------------------

#: manifest id -> (config over the defaults, secret, action, arguments, expected request)
CASES: dict[str, dict[str, Any]] = {
    "github-issues-triage": {
        "config": lambda url: {"api_base_url": url, "repositories": ["octo/hello"], **LOOPBACK},
        "secret": ("token", "github-test-token-1"),
        "action": "get_issue",
        "arguments": {"owner": "octo", "repo": "hello", "issue_number": 7},
        "expect": ("GET", "/repos/octo/hello/issues/7"),
        "auth": ("authorization", "Bearer github-test-token-1"),
    },
    "discord-alerts": {
        "config": lambda url: dict(LOOPBACK),
        "secret": ("webhook_url", "{url}/api/webhooks/123/test-webhook-token"),
        "action": "post_alert",
        "arguments": {"content": "disk almost full"},
        "expect": ("POST", "/api/webhooks/123/test-webhook-token"),
        "body": {"content": "disk almost full"},
    },
    "slack-messages": {
        "config": lambda url: {"base_url": url + "/api", **LOOPBACK},
        "secret": ("bearer_token", "slack-test-token"),
        "action": "post_message",
        "arguments": {"channel": "C0123", "text": "deploy done"},
        "expect": ("POST", "/api/chat.postMessage"),
        "auth": ("authorization", "Bearer slack-test-token"),
        "body": {"channel": "C0123", "text": "deploy done"},
    },
    "ntfy-notifications": {
        "config": lambda url: {"base_url": url, **LOOPBACK},
        "secret": ("bearer_token", "ntfy-test-token"),
        "action": "notify",
        "arguments": {"topic": "backups", "message": "backup ok", "priority": 4},
        "expect": ("POST", "/"),
        "body": {"topic": "backups", "message": "backup ok", "priority": 4},
    },
    "home-assistant": {
        "config": lambda url: {"base_url": url + "/api", **LOOPBACK},
        "secret": ("bearer_token", "ha-test-token"),
        "action": "get_state",
        "arguments": {"entity_id": "light.kitchen"},
        "expect": ("GET", "/api/states/light.kitchen"),
        "auth": ("authorization", "Bearer ha-test-token"),
    },
    "todoist-tasks": {
        "config": lambda url: {"base_url": url + "/api/v1", **LOOPBACK},
        "secret": ("bearer_token", "todoist-test-token"),
        "action": "add_task",
        "arguments": {"content": "water the plants", "due_string": "tomorrow"},
        "expect": ("POST", "/api/v1/tasks"),
        "body": {"content": "water the plants", "due_string": "tomorrow"},
    },
    "linear-issues": {
        "config": lambda url: {"base_url": url, **LOOPBACK},
        "secret": ("api_key", "linear-test-key"),
        "action": "list_issues",
        "arguments": {"first": 5},
        "expect": ("POST", "/graphql"),
        "auth": ("authorization", "linear-test-key"),
    },
    "signed-webhook": {
        "config": lambda url: dict(LOOPBACK),
        "secret": ("url", "{url}/hooks/harbor"),
        "more_secrets": [("signing_secret", SIGNING_SECRET)],
        "action": "notify",
        "arguments": {"message": "deploy finished", "severity": "info"},
        "expect": ("POST", "/hooks/harbor"),
        "body": {
            "type": "harbor.notification",
            "data": {"message": "deploy finished", "severity": "info"},
        },
        "signed_with": SIGNING_SECRET,
    },
    "slack-incoming-webhook": {
        "config": lambda url: dict(LOOPBACK),
        "secret": ("url", "{url}/services/T000/B000/testtoken"),
        "action": "post_message",
        "arguments": {"text": "*deploy* done"},
        "expect": ("POST", "/services/T000/B000/testtoken"),
        "body": {"text": "*deploy* done"},
    },
    "jira-issues": {
        "config": lambda url: {"base_url": url + "/rest/api/3", **LOOPBACK},
        "secret": ("basic_password", "jira-test-token"),
        "action": "add_comment",
        "arguments": {"issue_key": "PROJ-42", "comment": "looking into it"},
        "expect": ("POST", "/rest/api/3/issue/PROJ-42/comment"),
        "auth": (
            "authorization",
            "Basic " + base64.b64encode(b"you@example.com:jira-test-token").decode(),
        ),
    },
}


def test_every_catalog_manifest_has_a_case():
    assert sorted(CASES) == MANIFEST_IDS
    assert len(MANIFEST_IDS) >= 8


@pytest.mark.parametrize("manifest_id", sorted(CASES))
def test_catalog_manifest_imports_and_its_drafts_work(
    manifest_id, operator_client, signed, trust, fake_service
):
    case = CASES[manifest_id]
    trust()
    manifest = catalog_manifest(manifest_id)
    body = signed(manifest, config=case["config"](fake_service.url))

    result = operator_client.post("/api/v1/dock/import", json=body)

    assert result.status_code == 201, result.text
    port = manifest["port"]["name"]
    drafts = operator_client.get(f"/api/v1/ports/{port}/drafts").json()
    assert sorted(d["action"] for d in drafts) == sorted(a["name"] for a in manifest["actions"])
    assert {d["status"] for d in drafts} == {"validated"}
    for name, value in [case["secret"], *case.get("more_secrets", [])]:
        secret = operator_client.put(
            f"/api/v1/ports/{port}/secrets/{name}",
            json={"value": value.format(url=fake_service.url)},
        )
        assert secret.status_code == 200, secret.text

    draft = next(d for d in drafts if d["action"] == case["action"])
    tested = operator_client.post(
        f"/api/v1/drafts/{draft['id']}/test", json={"arguments": case["arguments"]}
    )

    assert tested.status_code == 200, tested.text
    assert tested.json()["test"]["ok"] is True, tested.json()["test"]
    sent = fake_service.requests[-1]
    assert (sent["method"], sent["path"]) == case["expect"]
    if "auth" in case:
        header, expected = case["auth"]
        assert sent["headers"][header] == expected
    for key, expected in case.get("body", {}).items():
        assert sent["json"][key] == expected
    if "signed_with" in case:
        from standardwebhooks import Webhook

        Webhook(case["signed_with"]).verify(sent["raw"], sent["headers"])


def test_preview_changes_nothing_and_lists_what_would_be_created(operator_client, signed, trust):
    trust()
    before = node_snapshot(operator_client)

    preview = operator_client.post(
        "/api/v1/dock/preview", json=signed(catalog_manifest("home-assistant"))
    )

    assert preview.status_code == 200, preview.text
    data = preview.json()
    assert data["signed"] is True
    assert data["trusted"] is True
    assert data["can_publish"] is True
    assert data["port"] == {
        "name": "home-assistant",
        "connector": "http_api",
        "description": "Home Assistant REST API",
        "config": catalog_manifest("home-assistant")["port"]["config"],
        "exists": False,
    }
    assert [a["change"] for a in data["actions"]] == ["create"] * 4
    assert [s["name"] for s in data["secrets"]] == ["bearer_token"]
    assert data["connector"]["installed"] is True
    assert {p["name"] for p in data["policies"]} == {
        "home-assistant-read-states",
        "home-assistant-switching",
        "home-assistant-ask-for-services",
    }
    assert all(p["enabled"] is False for p in data["policies"])
    assert node_snapshot(operator_client) == before


def test_import_creates_suggested_rules_disabled_and_is_audited(operator_client, signed, trust):
    trust()
    result = operator_client.post(
        "/api/v1/dock/import", json=signed(catalog_manifest("github-issues-triage"))
    )
    assert result.status_code == 201, result.text
    assert result.json()["port_status"] == "needs_secrets"

    rules = operator_client.get("/api/v1/policies").json()
    assert [r["name"] for r in rules] == [
        "github-triage-read-freely",
        "github-triage-labels-limited",
        "github-triage-ask-before-closing",
    ]
    assert all(r["enabled"] is False for r in rules)
    assert rules[2]["action"] == "github-triage.set_issue_state"
    events = operator_client.get("/api/v1/audit", params={"type": "dock.imported"}).json()
    assert events["events"][0]["details"]["manifest"] == "github-issues-triage"
    assert events["events"][0]["details"]["signed"] is True


def test_trusted_import_can_publish_and_each_publish_is_forced(operator_client, signed, trust):
    trust()
    body = signed(catalog_manifest("ntfy-notifications"), publish=True)

    result = operator_client.post("/api/v1/dock/import", json=body)

    assert result.status_code == 201, result.text
    assert result.json()["published"] == ["notify"]
    action = operator_client.get("/api/v1/ports/ntfy/actions/notify").json()
    assert action["current"]["forced"] is True
    events = operator_client.get("/api/v1/audit", params={"type": "action.published"}).json()
    assert events["events"][0]["outcome"] == "forced"


def test_publishing_an_untrusted_manifest_is_refused(operator_client, signed, trust):
    trust(publisher=False, unsigned=["inline"])
    before = node_snapshot(operator_client)

    result = operator_client.post(
        "/api/v1/dock/import", json=signed(catalog_manifest("ntfy-notifications"), publish=True)
    )

    assert result.status_code == 403
    assert "trusted publisher" in result.json()["detail"]
    assert node_snapshot(operator_client) == before


def test_reimporting_a_newer_version_updates_drafts_and_keeps_secrets(
    operator_client, signed, trust
):
    trust()
    first = catalog_manifest("todoist-tasks")
    assert operator_client.post("/api/v1/dock/import", json=signed(first)).status_code == 201
    operator_client.put("/api/v1/ports/todoist/secrets/bearer_token", json={"value": "keep-me-1"})
    newer = copy.deepcopy(first)
    newer["version"] = "1.1.0"
    newer["actions"][0]["description"] = "List the active tasks, newest first."

    preview = operator_client.post("/api/v1/dock/preview", json=signed(newer)).json()
    result = operator_client.post("/api/v1/dock/import", json=signed(newer))

    assert preview["previous_version"] == "1.0.0"
    assert [a["change"] for a in preview["actions"]] == ["update", "unchanged", "unchanged"]
    assert {"pointer": "/version", "before": "1.0.0", "after": "1.1.0", "change": "changed"} in (
        preview["diff"]
    )
    assert result.status_code == 201, result.text
    drafts = operator_client.get("/api/v1/ports/todoist/drafts").json()
    assert len(drafts) == 3  # the open draft was updated, not duplicated
    listed = next(d for d in drafts if d["action"] == "list_tasks")
    assert listed["description"] == "List the active tasks, newest first."
    port = operator_client.get("/api/v1/ports/todoist").json()
    assert next(s for s in port["secrets"] if s["name"] == "bearer_token")["set"] is True


def test_reimporting_the_same_version_is_a_conflict(operator_client, signed, trust):
    trust()
    body = signed(catalog_manifest("slack-messages"))
    assert operator_client.post("/api/v1/dock/import", json=body).status_code == 201

    again = operator_client.post("/api/v1/dock/import", json=body)

    assert again.status_code == 409
    assert "already imported" in again.json()["detail"]


def test_an_existing_port_of_another_origin_is_not_touched(operator_client, signed, trust):
    trust()
    created = operator_client.post(
        "/api/v1/ports",
        json={"name": "slack", "connector": "http_api", "config": {"base_url": "https://x.test"}},
    )
    assert created.status_code == 201

    result = operator_client.post(
        "/api/v1/dock/import", json=signed(catalog_manifest("slack-messages"))
    )
    renamed = operator_client.post(
        "/api/v1/dock/import", json=signed(catalog_manifest("slack-messages"), port="slack-team")
    )

    assert result.status_code == 409
    assert "import under another port name" in result.json()["detail"]
    assert renamed.status_code == 201
    assert renamed.json()["preview"]["port"]["name"] == "slack-team"


# --- Bad input: each refused with problem+json, nothing changes -------------------------------


def refused(client: Any, body: dict[str, Any], status: int, *words: str) -> dict[str, Any]:
    """POST an import that must be refused; check the problem and that nothing changed."""
    before = node_snapshot(client)
    response = client.post("/api/v1/dock/import", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    for word in words:
        assert word in problem["detail"], problem["detail"]
    assert node_snapshot(client) == before
    return problem


def test_oversized_manifest_is_refused(operator_client, signed, trust):
    trust()
    manifest = catalog_manifest("ntfy-notifications")
    manifest["description"] = "x" * 19_000
    manifest["links"] = [{"title": "t" * 190, "url": "https://example.org/" + "a" * 2000}] * 20
    manifest["actions"] = [
        {**manifest["actions"][0], "name": f"notify_{i}", "description": "d" * 3900}
        for i in range(50)
    ]

    refused(operator_client, signed(manifest), 413, "limit")


def test_wrong_schema_manifest_is_refused(operator_client, signed, trust):
    trust()
    manifest = catalog_manifest("ntfy-notifications")
    manifest["version"] = "one"
    manifest["actions"][0]["risk"] = "harmless"

    problem = refused(operator_client, signed(manifest), 422, "does not match its schema")

    assert {e["pointer"] for e in problem["errors"]} == {"/version", "/actions/0/risk"}


def test_unknown_connector_is_refused_with_the_install_line(operator_client, signed, trust):
    trust()
    manifest = catalog_manifest("ntfy-notifications")
    manifest["connector"] = {"type": "pager", "distribution": "harbor-pager", "version": ">=1.0"}

    preview = operator_client.post("/api/v1/dock/preview", json=signed(manifest)).json()
    problem = refused(operator_client, signed(manifest), 409, "harbor-pager>=1.0", "pip install")

    assert preview["connector"]["installed"] is False
    assert preview["connector"]["pip_install"] == "pip install --upgrade 'harbor-pager>=1.0'"
    assert problem["code"] == "conflict"


def test_tampered_manifest_is_refused(operator_client, signed, trust):
    trust(unsigned=["inline"])  # even a source allowed to be unsigned cannot be tampered with
    body = signed(catalog_manifest("discord-alerts"))
    body["manifest"]["actions"][0]["risk"] = "read"

    refused(operator_client, body, 403, "does not match the document")


def test_unsigned_manifest_is_refused_unless_its_source_is_allowed(operator_client, trust):
    trust()
    body = {"manifest": catalog_manifest("discord-alerts")}

    refused(operator_client, body, 403, "not signed", "unsigned_dock_sources")
    trust(unsigned=["inline"])
    allowed = operator_client.post("/api/v1/dock/import", json=body)

    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["preview"]["signed"] is False


def test_untrusted_publisher_is_refused(operator_client, signed, trust):
    trust(publisher=False)

    refused(operator_client, signed(catalog_manifest("discord-alerts")), 403, "not a trusted Dock")


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("port", "config", "default_headers"), {"X-Token": "abc"}),
        (("actions", 0, "definition", "headers"), {"Authorization": "Bearer abc"}),
        (("links", 0, "title"), "ghp_" + "a1B2" * 9),
        (("summary",), "sends with whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        (("links", 0, "url"), "https://user:hunter2hunter2@example.org/"),
    ],
)
def test_secret_carrying_manifest_is_refused(operator_client, signed, trust, where, value):
    trust()
    manifest = catalog_manifest("slack-messages")
    target: Any = manifest
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value

    problem = refused(operator_client, signed(manifest), 422)

    assert "secret" in problem["detail"] or "looks like" in problem["detail"]


def test_path_laden_manifest_is_refused(operator_client, signed, trust):
    trust()
    manifest = catalog_manifest("home-assistant")
    manifest["id"] = "../../etc/passwd"
    manifest["actions"][0]["definition"]["path"] = "/states/../../config"

    problem = refused(operator_client, signed(manifest), 422)

    assert any(e["pointer"] == "/id" for e in problem["errors"])


def test_path_escaping_action_is_refused(operator_client, signed, trust):
    trust()
    manifest = catalog_manifest("home-assistant")
    manifest["actions"][0]["definition"]["path"] = "/states/../../config"

    problem = refused(operator_client, signed(manifest), 422, "cannot be imported")

    assert problem["errors"][0]["pointer"] == "/actions/0/definition"


# --- By URL, from a Dock site served on loopback ----------------------------------------------


@pytest.fixture
def dock_site(tmp_path, publisher_key):
    """The starter catalog built and served by ``harbor dock serve`` on 127.0.0.1."""
    import threading

    from harbor.dock.server import make_server
    from harbor.dock.site import build_site
    from tests.conftest import free_port
    from tests.dock.conftest import CATALOG

    site = tmp_path / "site"
    build_site(CATALOG, site, publisher_key)
    port = free_port()
    server = make_server(site, "127.0.0.1", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def test_import_by_url_from_a_trusted_loopback_site(operator_client, trust, dock_site):
    trust(sources=[dock_site])
    url = f"{dock_site}/manifests/ntfy-notifications.json"

    result = operator_client.post("/api/v1/dock/import", json={"url": url})

    assert result.status_code == 201, result.text
    assert result.json()["preview"]["source"] == url
    assert result.json()["preview"]["trusted"] is True


def test_a_site_that_is_not_a_trusted_source_is_never_contacted(
    operator_client, trust, fake_service
):
    trust(sources=["https://dock.example.org"])
    body = {"url": f"{fake_service.url}/manifests/ntfy-notifications.json"}

    problem = refused(operator_client, body, 403, "not a trusted source", "trusted_sources")

    assert problem["code"] == "forbidden"
    assert fake_service.requests == []


def test_a_missing_manifest_url_is_an_upstream_failure(operator_client, trust, dock_site):
    trust(sources=[dock_site])

    refused(operator_client, {"url": f"{dock_site}/manifests/nope.json"}, 502, "404")


def test_malformed_manifest_is_refused(operator_client, trust, dock_site, tmp_path):
    trust(sources=[dock_site])
    (tmp_path / "site" / "manifests" / "broken.json").write_bytes(b'{"id": "broken", ')

    problem = refused(
        operator_client, {"url": f"{dock_site}/manifests/broken.json"}, 400, "not valid JSON"
    )

    assert problem["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("trusted_dock_publishers", ["not-a-key"], "/trusted_dock_publishers/0"),
        ("trusted_sources", ["127.0.0.1:8600"], "/trusted_sources/0"),
        ("unsigned_dock_sources", ["ftp://dock.example.org"], "/unsigned_dock_sources/0"),
    ],
)
def test_malformed_dock_trust_settings_are_refused(operator_client, field, value, words):
    response = operator_client.patch("/api/v1/settings", json={field: value})

    assert response.status_code == 422
    assert words in [e["pointer"] for e in response.json()["errors"]]
    assert operator_client.get("/api/v1/settings").json()[field] == []
