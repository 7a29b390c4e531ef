"""Node-signed requests: signature, node, time window, method/path binding and replay."""

from __future__ import annotations

import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.testclient import TestClient


def license_path(node: Any) -> str:
    return f"/api/v1/nodes/{node.node_id}/license"


@pytest.fixture
def node(member: Any, enroll: Any) -> Any:
    """An enrolled node."""
    enrolled_node, _ = enroll(member())
    return enrolled_node


def assert_unauthorized(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthorized"


def test_a_properly_signed_refresh_is_accepted(client: TestClient, node: Any) -> None:
    path = license_path(node)
    assert client.post(path, headers=node.headers("POST", path)).status_code == 200


def test_missing_signature_is_refused(client: TestClient, node: Any) -> None:
    assert_unauthorized(client.post(license_path(node)))
    bearer = {"Authorization": "Bearer something"}
    assert_unauthorized(client.post(license_path(node), headers=bearer))


def test_signature_by_another_key_is_refused(client: TestClient, node: Any) -> None:
    path = license_path(node)
    forged = node.headers("POST", path, _key=Ed25519PrivateKey.generate())
    assert_unauthorized(client.post(path, headers=forged))


def test_a_replayed_signature_is_refused(client: TestClient, node: Any) -> None:
    path = license_path(node)
    headers = node.headers("POST", path)
    assert client.post(path, headers=headers).status_code == 200
    assert_unauthorized(client.post(path, headers=headers))


def test_signature_for_another_path_or_method_is_refused(client: TestClient, node: Any) -> None:
    path = license_path(node)
    unenroll_path = f"/api/v1/nodes/{node.node_id}/unenroll"
    assert_unauthorized(client.post(path, headers=node.headers("POST", unenroll_path)))
    assert_unauthorized(client.post(path, headers=node.headers("GET", path)))


def test_expired_or_too_long_or_future_signatures_are_refused(
    client: TestClient, node: Any
) -> None:
    path = license_path(node)
    now = int(time.time())
    expired = node.headers("POST", path, iat=now - 400, exp=now - 100)
    assert_unauthorized(client.post(path, headers=expired))
    too_long = node.headers("POST", path, iat=now, exp=now + 3600)
    assert_unauthorized(client.post(path, headers=too_long))
    future = node.headers("POST", path, iat=now + 1000, exp=now + 1200)
    assert_unauthorized(client.post(path, headers=future))


def test_wrong_audience_is_refused(client: TestClient, node: Any) -> None:
    path = license_path(node)
    assert_unauthorized(client.post(path, headers=node.headers("POST", path, aud="harbor-node")))


def test_one_node_cannot_act_for_another(
    client: TestClient, node: Any, member: Any, enroll: Any
) -> None:
    other, _ = enroll(member())
    path = license_path(other)
    # Signed by `node` (claiming to be itself, or claiming to be `other`): both refused.
    assert_unauthorized(client.post(path, headers=node.headers("POST", path)))
    assert_unauthorized(client.post(path, headers=node.headers("POST", path, iss=other.node_id)))


def test_unknown_node_is_not_enrolled(client: TestClient, new_node: Any) -> None:
    stranger = new_node()
    stranger.node_id = "node_0000000000000000"
    path = license_path(stranger)
    response = client.post(path, headers=stranger.headers("POST", path))
    assert response.status_code == 404
    assert response.json()["code"] == "node_not_enrolled"


def test_after_unenroll_the_node_is_not_enrolled(client: TestClient, node: Any) -> None:
    unenroll = f"/api/v1/nodes/{node.node_id}/unenroll"
    assert client.post(unenroll, headers=node.headers("POST", unenroll)).status_code == 204
    path = license_path(node)
    response = client.post(path, headers=node.headers("POST", path))
    assert response.status_code == 404
    assert response.json()["code"] == "node_not_enrolled"
    again = client.post(unenroll, headers=node.headers("POST", unenroll))
    assert again.json()["code"] == "node_not_enrolled"
