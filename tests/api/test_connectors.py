"""/api/v1/connectors: installed types, schemas, kinds and templates."""

from __future__ import annotations


def test_connectors_lists_the_registered_connector(operator_client, loop_connector):
    body = {c["type"]: c for c in operator_client.get("/api/v1/connectors").json()}
    loop = body["loop"]
    assert loop["secret_fields"] == ["token"]
    assert loop["required_secrets"] == ["token"]
    assert loop["action_kinds"][0]["name"] == "get"
    assert loop["action_kinds"][0]["definition_schema"]["required"] == ["path"]


def test_templates(operator_client, loop_connector):
    templates = operator_client.get("/api/v1/connectors/loop/templates").json()
    assert templates[0]["name"] == "read_status"
    assert templates[0]["definition"] == {"path": "/status"}


def test_unknown_connector_names_what_is_installed(operator_client, loop_connector):
    response = operator_client.get("/api/v1/connectors/nope")
    assert response.status_code == 404
    assert "loop" in response.json()["detail"]
