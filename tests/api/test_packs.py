"""``/api/v1/packs``: export without secrets, import with a plan, round trip, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harbor.api.app import create_app
from harbor.node import Node
from harbor.settings import Settings
from harbor.testing import TEST_HOST
from tests.api.test_dock import node_snapshot

GITHUB_TOKEN = "github_pat_11PLANTEDsecretVALUE0000aaaabbbbcccc"
BEARER = "planted-bearer-SECRET-7f3c9e21"
DISCORD_URL = "https://discord.com/api/webhooks/1234/planted-discord-SECRET-token"


def setup_node(client: Any) -> None:
    """Three ports with secrets, published actions (one disabled) and two rules."""
    ports = [
        {"name": "gh", "connector": "github", "config": {"repositories": ["octo/hello"]}},
        {"name": "api", "connector": "http_api", "description": "An API",
         "config": {"base_url": "https://api.example.org", "auth": {"type": "bearer"}}},
        {"name": "alerts", "connector": "discord", "config": {"username": "bot"}},
    ]  # fmt: skip
    for port in ports:
        assert client.post("/api/v1/ports", json=port).status_code == 201
    for port, name, value in (
        ("gh", "token", GITHUB_TOKEN),
        ("api", "bearer_token", BEARER),
        ("alerts", "webhook_url", DISCORD_URL),
    ):
        assert client.put(f"/api/v1/ports/{port}/secrets/{name}", json={"value": value}).is_success
    for port in ("gh", "alerts"):
        drafts = client.post(f"/api/v1/ports/{port}/templates/apply", json={}).json()
        for draft in drafts:
            assert client.post(f"/api/v1/drafts/{draft['id']}/validate", json={}).is_success
            client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"force": True})
    draft = client.post(
        "/api/v1/ports/api/drafts",
        json={"action": "get_thing", "kind": "request", "risk": "read",
              "description": "Read a thing",
              "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}},
              "definition": {"method": "GET", "path": "/things/{id}"}},
    ).json()  # fmt: skip
    client.post(f"/api/v1/drafts/{draft['id']}/validate", json={})
    client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"force": True})
    client.put("/api/v1/ports/gh/actions/get_repository/state", json={"state": "disabled"})
    reads = {"name": "reads", "action": "gh.*", "risks": ["read"], "effect": "allow"}
    limited = {"action": "alerts.*", "effect": "require_approval",
               "rate_limit": {"calls": 5, "window_seconds": 60}}  # fmt: skip
    for rule in (reads, limited):
        assert client.post("/api/v1/policies", json=rule).status_code == 201


def export(client: Any, **choice: Any) -> Any:
    response = client.post("/api/v1/packs/export", json=choice)
    assert response.status_code == 200, response.text
    return response


def test_export_never_holds_a_secret_value(operator_client):
    setup_node(operator_client)

    response = export(operator_client)

    raw = response.content
    for secret in (GITHUB_TOKEN, BEARER, DISCORD_URL, "planted"):
        assert secret.encode() not in raw
        assert secret.lower().encode() not in raw.lower()
    assert "harbor.harborpack.json" in response.headers["content-disposition"]
    pack = response.json()
    assert {p["name"]: p["secrets_to_set"] for p in pack["ports"]} == {
        "alerts": ["webhook_url"],
        "api": ["bearer_token"],
        "gh": ["token"],
    }


def test_export_of_chosen_parts(operator_client):
    setup_node(operator_client)
    rule_id = operator_client.get("/api/v1/policies").json()[0]["id"]

    pack = export(
        operator_client, ports=["gh"], actions=["gh.get_issue"], policies=[rule_id]
    ).json()

    assert [p["name"] for p in pack["ports"]] == ["gh"]
    assert [(a["port"], a["name"]) for a in pack["actions"]] == [("gh", "get_issue")]
    assert [p["name"] for p in pack["policies"]] == ["reads"]


def test_export_is_audited(operator_client):
    setup_node(operator_client)
    export(operator_client)

    events = operator_client.get("/api/v1/audit", params={"type": "pack.exported"}).json()

    assert events["events"][0]["details"]["ports"] == ["alerts", "api", "gh"]


@pytest.fixture
def second_client(harbor_settings: Settings, harbor_plugins, tmp_path: Path, operator_token):
    """An operator client for a second, empty node (SQLite) in the same test."""
    from starlette.testclient import TestClient

    from harbor.runtime import identity

    settings = harbor_settings.model_copy(
        update={"data_dir": tmp_path / "data2", "database_url": f"sqlite:///{tmp_path / 'b.db'}"}
    )
    node = Node(settings, plugins=harbor_plugins).start()
    with node.store.session() as session:
        identity.create_operator(session, "another correct horse battery")
        token = identity.create_operator_token(session, "tests").token
    with TestClient(
        create_app(node=node),
        base_url=f"http://{TEST_HOST}",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client
    node.close()


def test_round_trip_into_an_empty_node_gives_the_same_pack(operator_client, second_client):
    setup_node(operator_client)
    first = export(operator_client).json()

    plan = second_client.post("/api/v1/packs/import", json={"pack": first, "dry_run": False})
    second = export(second_client).json()

    assert plan.status_code == 200, plan.text
    assert plan.json()["applied"] is True
    assert second == first
    assert {(s["port"], s["name"]) for s in plan.json()["secrets_to_set"]} == {
        ("alerts", "webhook_url"), ("api", "bearer_token"), ("gh", "token"),
    }  # fmt: skip
    actions = second_client.get("/api/v1/ports/gh/actions/get_issue").json()
    assert actions["current"]["forced"] is True


def test_dry_run_is_the_default_and_changes_nothing(operator_client):
    setup_node(operator_client)
    pack = export(operator_client).json()
    pack["ports"][1]["config"]["base_url"] = "https://api2.example.org"
    before = node_snapshot(operator_client)

    plan = operator_client.post("/api/v1/packs/import", json={"pack": pack}).json()

    assert plan["dry_run"] is True
    assert plan["applied"] is False
    assert plan["conflicts"] == 1
    item = next(i for i in plan["items"] if i["kind"] == "port" and i["name"] == "api")
    assert item["operation"] == "skip"
    assert {i["operation"] for i in plan["items"] if i["kind"] == "action"} == {"unchanged"}
    assert node_snapshot(operator_client) == before


def test_conflicts_rename_imports_under_a_free_name(operator_client):
    setup_node(operator_client)
    pack = export(operator_client, ports=["api"], policies=[]).json()
    pack["ports"][0]["config"]["base_url"] = "https://api2.example.org"

    plan = operator_client.post(
        "/api/v1/packs/import", json={"pack": pack, "dry_run": False, "on_conflict": "rename"}
    ).json()

    assert plan["items"][0]["target"] == "api-2"
    renamed = operator_client.get("/api/v1/ports/api-2").json()
    assert renamed["config"]["base_url"] == "https://api2.example.org"
    assert operator_client.get("/api/v1/ports/api-2/actions/get_thing").status_code == 200
    assert operator_client.get("/api/v1/ports/api").json()["config"]["base_url"] == (
        "https://api.example.org"
    )


def test_replacing_an_action_publishes_a_new_version(operator_client):
    setup_node(operator_client)
    pack = export(operator_client, ports=["api"], policies=[]).json()
    pack["actions"][0]["description"] = "Read one thing by id"

    plan = operator_client.post(
        "/api/v1/packs/import", json={"pack": pack, "dry_run": False, "on_conflict": "replace"}
    ).json()

    assert [i["operation"] for i in plan["items"] if i["kind"] == "action"] == ["update"]
    versions = operator_client.get("/api/v1/ports/api/actions/get_thing/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["description"] == "Read a thing"  # version 1 was not rewritten
    assert versions[0]["description"] == "Read one thing by id"


def test_an_error_while_applying_changes_nothing(operator_client):
    setup_node(operator_client)
    pack = export(operator_client, ports=["api"], policies=[]).json()
    pack["ports"][0]["name"] = "fresh"
    pack["actions"][0]["port"] = "fresh"
    pack["policies"] = [{"name": "reads", "action": "fresh.*", "effect": "deny"}]
    before = node_snapshot(operator_client)

    # The rule named "reads" exists and differs: replace updates it, but the pack's second
    # rule is invalid, so the whole import (port, action, both rules) must roll back.
    pack["policies"].append({"action": "fresh.*", "effect": "allow",
                             "arguments_schema": {"type": "nonsense"}})  # fmt: skip
    response = operator_client.post(
        "/api/v1/packs/import", json={"pack": pack, "dry_run": False, "on_conflict": "replace"}
    )

    assert response.status_code == 422, response.text
    assert node_snapshot(operator_client) == before


# --- Bad packs: refused with problem+json, nothing changes -------------------------------------


def refused_pack(client: Any, pack: Any, status: int, *words: str) -> dict[str, Any]:
    before = node_snapshot(client)
    response = client.post("/api/v1/packs/import", json={"pack": pack, "dry_run": False})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    for word in words:
        assert word in problem["detail"], problem["detail"]
    assert node_snapshot(client) == before
    return problem


def small_pack() -> dict[str, Any]:
    return {
        "pack_version": 1,
        "ports": [{"name": "svc", "connector": "http_api", "config": {"base_url": "https://a.test"}}],
        "actions": [{"port": "svc", "name": "ping", "kind": "request", "risk": "read",
                     "input_schema": {"type": "object"},
                     "definition": {"method": "GET", "path": "/ping"}}],
        "policies": [],
    }  # fmt: skip


def test_oversized_pack_is_refused(operator_client):
    pack = small_pack()
    pack["ports"][0]["description"] = "x" * 2000
    pack["ports"] = [{**pack["ports"][0], "name": f"svc-{i}"} for i in range(500)]
    pack["actions"] = []

    refused_pack(operator_client, pack, 413, "larger than")


def test_malformed_pack_is_refused(operator_client):
    refused_pack(operator_client, ["not", "a", "pack"], 422)


def test_wrong_schema_pack_is_refused(operator_client):
    pack = small_pack()
    pack["actions"][0]["risk"] = "harmless"

    problem = refused_pack(operator_client, pack, 422, "/pack/actions/0/risk")

    assert problem["errors"][0]["pointer"] == "/pack/actions/0/risk"


def test_unknown_connector_pack_is_refused(operator_client):
    pack = small_pack()
    pack["ports"][0]["connector"] = "pager"

    refused_pack(operator_client, pack, 404, "pip install harbor-pager")


def test_secret_carrying_pack_is_refused(operator_client):
    pack = small_pack()
    pack["ports"][0]["config"]["default_headers"] = {"Authorization": "Bearer abcdefghijklmnop"}

    refused_pack(operator_client, pack, 422, "names a secret")


def test_credential_value_in_a_pack_is_refused(operator_client):
    pack = small_pack()
    pack["actions"][0]["description"] = "uses xoxb-1234567890-abcdefghij"

    refused_pack(operator_client, pack, 422, "looks like a Slack token")


def test_path_laden_pack_is_refused(operator_client):
    pack = small_pack()
    pack["ports"][0]["name"] = "../etc"
    pack["actions"][0]["port"] = "../etc"

    problem = refused_pack(operator_client, pack, 422, "should match pattern")

    assert problem["errors"][0]["pointer"] == "/pack/ports/0/name"


def test_path_escaping_action_in_a_pack_is_refused(operator_client):
    pack = small_pack()
    pack["actions"][0]["definition"]["path"] = "/a/../../admin"

    problem = refused_pack(operator_client, pack, 422, "would not validate")

    assert problem["errors"][0]["pointer"] == "/actions/0/definition"


def test_the_checked_in_schema_accepts_an_export(operator_client):
    from jsonschema import Draft202012Validator

    setup_node(operator_client)
    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "schemas" / "harbor-pack.schema.json").read_text()
    )

    errors = list(Draft202012Validator(schema).iter_errors(export(operator_client).json()))

    assert errors == []
