"""DNS rebinding and cross-site defences: Host, Origin and Sec-Fetch-Site checks."""

from __future__ import annotations

import pytest


def test_foreign_host_header_is_refused(anon_client):
    response = anon_client.get("/api/v1/health", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "allowed_hosts" in response.json()["detail"]


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "testserver"])
def test_loopback_and_configured_names_are_accepted(anon_client, host):
    assert anon_client.get("/api/v1/health", headers={"Host": host}).status_code == 200


def test_cross_origin_state_change_is_refused(operator_client):
    response = operator_client.post(
        "/api/v1/tokens", json={"name": "x"}, headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_other_local_origin_is_refused(operator_client):
    response = operator_client.post(
        "/api/v1/tokens", json={"name": "x"}, headers={"Origin": "http://localhost:3000"}
    )
    assert response.status_code == 403


def test_cross_site_fetch_is_refused(operator_client):
    response = operator_client.post(
        "/api/v1/tokens", json={"name": "x"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403


def test_null_origin_is_refused(operator_client):
    response = operator_client.post(
        "/api/v1/tokens", json={"name": "x"}, headers={"Origin": "null"}
    )
    assert response.status_code == 403


def test_same_origin_state_change_is_allowed(operator_client):
    response = operator_client.post(
        "/api/v1/tokens", json={"name": "x"}, headers={"Origin": "http://testserver"}
    )
    assert response.status_code == 201


def test_cross_origin_reads_pass_the_guard(anon_client):
    response = anon_client.get("/api/v1/health", headers={"Origin": "http://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
