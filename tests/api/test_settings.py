"""/api/v1/settings: operator state in the database."""

from __future__ import annotations


def test_defaults(operator_client):
    body = operator_client.get("/api/v1/settings").json()
    assert body["default_effects"] == {
        "read": "allow",
        "write": "require_approval",
        "destructive": "deny",
    }
    assert body["approval_ttl_seconds"] == 3600


def test_partial_update_keeps_other_fields(operator_client):
    operator_client.patch("/api/v1/settings", json={"approval_ttl_seconds": 600})
    body = operator_client.patch(
        "/api/v1/settings", json={"public_url": "https://harbor.example.lan/"}
    ).json()
    assert body["approval_ttl_seconds"] == 600
    assert body["public_url"] == "https://harbor.example.lan"
    assert operator_client.get("/api/v1/settings").json() == body


def test_bad_values_change_nothing(operator_client):
    before = operator_client.get("/api/v1/settings").json()
    bad_url = operator_client.patch("/api/v1/settings", json={"public_url": "ftp://x"})
    assert bad_url.status_code == 422
    bad_ttl = operator_client.patch("/api/v1/settings", json={"approval_ttl_seconds": 1})
    assert bad_ttl.status_code == 422
    unknown = operator_client.patch("/api/v1/settings", json={"colour": "blue"})
    assert unknown.status_code == 422
    assert operator_client.get("/api/v1/settings").json() == before


def test_process_config_lists_every_setting_with_its_source(operator_client, harbor_node):
    body = operator_client.get("/api/v1/settings/process").json()
    by_name = {s["name"]: s for s in body["settings"]}
    assert by_name["host"] == {
        "name": "host",
        "value": "127.0.0.1",
        "source": "default",
        "description": "Address to listen on",
    }
    assert "allowed_hosts" in by_name
    assert body["exposed"] is False
    assert body["exposure_warning"] is None
    assert by_name["database_url"]["value"] == harbor_node.settings.database_url


def test_agents_cannot_read_the_process_config(agent_client):
    assert agent_client.get("/api/v1/settings/process").status_code == 403
