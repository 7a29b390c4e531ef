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
