"""/api/v1/ports: config validated, secrets write-only, status, connection check."""

from __future__ import annotations

import pytest

from tests.conftest import UPSTREAM_TOKEN


@pytest.fixture
def port(operator_client, loop_connector, upstream):
    """A ``loop`` port named ``up`` pointing at the loopback upstream (no secret yet)."""
    response = operator_client.post(
        "/api/v1/ports",
        json={
            "name": "up",
            "connector": "loop",
            "config": {"base_url": upstream.url, "allow_private_hosts": ["127.0.0.1"]},
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def set_token(client, value=UPSTREAM_TOKEN):
    return client.put("/api/v1/ports/up/secrets/token", json={"value": value})


def test_new_port_needs_its_secrets(port):
    assert port["status"] == "needs_secrets"
    assert port["secrets"] == [
        {
            "name": "token",
            "set": False,
            "required": True,
            "kind": None,
            "reference_scheme": None,
            "set_at": None,
        }
    ]


def test_setting_the_secret_makes_the_port_ready(operator_client, port):
    body = set_token(operator_client).json()
    assert body["status"] == "ready"
    assert body["secrets"][0]["set"] is True
    assert body["secrets"][0]["kind"] == "value"
    assert UPSTREAM_TOKEN not in str(body)


def test_config_is_validated_against_the_connector_schema(operator_client, loop_connector):
    response = operator_client.post(
        "/api/v1/ports",
        json={"name": "bad", "connector": "loop", "config": {"base_url": "ftp://x", "extra": 1}},
    )
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert pointers == {"/config/base_url", "/config"}
    assert operator_client.get("/api/v1/ports").json() == []


def test_a_secret_in_the_config_is_refused_without_echoing_it(operator_client, loop_connector):
    response = operator_client.post(
        "/api/v1/ports",
        json={
            "name": "leaky",
            "connector": "loop",
            "config": {"base_url": "http://127.0.0.1:1", "token": "PLANTED-IN-CONFIG"},
        },
    )
    assert response.status_code == 422
    assert "PLANTED-IN-CONFIG" not in response.text
    assert "secrets/token" in response.text


def test_unknown_connector_and_duplicate_names(operator_client, port):
    unknown = operator_client.post("/api/v1/ports", json={"name": "x", "connector": "nope"})
    assert unknown.status_code == 404
    again = operator_client.post(
        "/api/v1/ports", json={"name": "up", "connector": "loop", "config": port["config"]}
    )
    assert again.status_code == 409


def test_unknown_secret_name_is_refused(operator_client, port):
    response = operator_client.put("/api/v1/ports/up/secrets/password", json={"value": "x"})
    assert response.status_code == 404
    assert "token" in response.json()["detail"]


def test_value_and_reference_together_are_refused(operator_client, port):
    response = operator_client.put(
        "/api/v1/ports/up/secrets/token", json={"value": "x", "reference": "env:X"}
    )
    assert response.status_code == 400


def test_check_succeeds_against_the_real_upstream(operator_client, port, upstream):
    set_token(operator_client)
    body = operator_client.post("/api/v1/ports/up/check").json()
    assert body["last_check"]["ok"] is True
    assert body["status"] == "ready"
    assert upstream.requests[-1]["headers"]["authorization"] == f"Bearer {UPSTREAM_TOKEN}"


def test_rejected_credentials_need_a_reconnect(operator_client, port):
    set_token(operator_client, "wrong-token")
    body = operator_client.post("/api/v1/ports/up/check").json()
    assert body["status"] == "needs_reconnect"
    assert body["last_check"]["ok"] is False
    assert set_token(operator_client).json()["status"] == "ready"


def test_unreachable_upstream_makes_the_port_unhealthy(operator_client, loop_connector):
    operator_client.post(
        "/api/v1/ports",
        json={"name": "gone", "connector": "loop", "config": {"base_url": "http://127.0.0.1:9"}},
    )
    operator_client.put("/api/v1/ports/gone/secrets/token", json={"value": "t"})
    body = operator_client.post("/api/v1/ports/gone/check").json()
    assert body["status"] == "unhealthy"
    assert body["last_check"]["ok"] is False


def test_secret_by_reference_resolves_at_call_time(operator_client, port, monkeypatch):
    monkeypatch.setenv("HARBOR_TEST_UPSTREAM_TOKEN", UPSTREAM_TOKEN)
    body = operator_client.put(
        "/api/v1/ports/up/secrets/token", json={"reference": "env:HARBOR_TEST_UPSTREAM_TOKEN"}
    ).json()
    assert body["secrets"][0]["kind"] == "reference"
    assert body["secrets"][0]["reference_scheme"] == "env"
    assert operator_client.post("/api/v1/ports/up/check").json()["last_check"]["ok"] is True


def test_disable_update_and_delete(operator_client, port):
    assert operator_client.patch("/api/v1/ports/up", json={"disabled": True}).json()["status"] == (
        "disabled"
    )
    assert operator_client.delete("/api/v1/ports/up").status_code == 204
    assert operator_client.get("/api/v1/ports/up").status_code == 404


def test_ports_show_their_newest_call(operator_client, agent_client, loop_connector, upstream):
    from tests.api.calls_fixtures import call, make_port, publish

    make_port(operator_client, upstream.url)
    assert operator_client.get("/api/v1/ports/up").json()["last_call"] is None
    publish(operator_client, "up", "look", "read")
    call(agent_client, "up.look", {"suffix": "one"})
    newest = call(agent_client, "up.look", {"suffix": "two"}).json()
    listed = operator_client.get("/api/v1/ports").json()[0]["last_call"]
    assert listed["id"] == newest["id"]
    assert listed["action"] == "up.look"
    assert listed["status"] == "succeeded"
