"""Every error is RFC 9457 problem+json with a stable code and the request id."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"


def assert_problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:harbor:problem:{code}"
    assert body["title"]
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def test_unknown_route_is_not_found(anon_client):
    assert_problem(anon_client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_method_not_allowed(anon_client):
    assert_problem(anon_client.put("/api/v1/health"), 405, "method_not_allowed")


def test_malformed_json_is_invalid_request(operator_client):
    response = operator_client.post(
        "/api/v1/agents", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "invalid_request")


def test_schema_violation_lists_each_error_with_a_pointer(operator_client):
    response = operator_client.post("/api/v1/agents", json={"name": 5, "scopes": "x"})
    body = assert_problem(response, 422, "invalid_request")
    assert {e["pointer"] for e in body["errors"]} == {"/name", "/scopes"}


def test_bad_path_parameter_is_invalid_request(operator_client):
    response = operator_client.post("/api/v1/tokens/not-a-number/revoke")
    body = assert_problem(response, 422, "invalid_request")
    assert body["errors"][0]["pointer"] == "path:/token_id"


def test_declared_body_too_large_is_413(operator_client, harbor_node):
    size = harbor_node.settings.max_body_bytes + 1
    response = operator_client.post(
        "/api/v1/agents", content=b"x" * size, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")


def test_streamed_body_too_large_is_413(operator_client, harbor_node):
    size = harbor_node.settings.max_body_bytes

    def chunks():
        for _ in range(3):
            yield b" " * size

    response = operator_client.post(
        "/api/v1/agents", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")


def test_incoming_request_id_is_kept(anon_client):
    response = anon_client.get("/api/v1/health", headers={"X-Request-ID": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"


@pytest.mark.parametrize("bad", ["has space", "x" * 200, "semi;colon"])
def test_unsafe_request_id_is_replaced(anon_client, bad):
    response = anon_client.get("/api/v1/health", headers={"X-Request-ID": bad})
    assert response.headers["x-request-id"] != bad


def test_unexpected_errors_are_problems_without_internals(harbor_app, operator_token):
    from starlette.testclient import TestClient

    from harbor.runtime import identity

    operator_client = TestClient(
        harbor_app,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {operator_token}"},
        raise_server_exceptions=False,
    )
    original = identity.list_agents

    def explode(session):
        raise RuntimeError("secret internals: hbo_abcdefghijklmnop")

    identity.list_agents = explode
    try:
        response = operator_client.get("/api/v1/agents")
    finally:
        identity.list_agents = original
    body = assert_problem(response, 500, "internal_error")
    assert "internals" not in body["detail"]
