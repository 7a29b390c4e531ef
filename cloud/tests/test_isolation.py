"""Members see and touch only their own nodes, and never reach the admin API or pages."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient


def test_a_member_never_sees_another_members_nodes(
    client: TestClient, member: Any, enroll: Any
) -> None:
    alice, bob = member(), member()
    alice_node, _ = enroll(alice, name="alice-node")
    bob_node, _ = enroll(bob, name="bob-node")
    alice_nodes = client.get("/api/v1/nodes", headers=alice["headers"]).json()["nodes"]
    bob_nodes = client.get("/api/v1/nodes", headers=bob["headers"]).json()["nodes"]
    assert [n["node_id"] for n in alice_nodes] == [alice_node.node_id]
    assert [n["node_id"] for n in bob_nodes] == [bob_node.node_id]


def test_a_member_cannot_unenroll_another_members_node(
    client: TestClient, member: Any, enroll: Any
) -> None:
    alice, bob = member(), member()
    bob_node, _ = enroll(bob)
    refused = client.delete(f"/api/v1/nodes/{bob_node.node_id}", headers=alice["headers"])
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert len(client.get("/api/v1/nodes", headers=bob["headers"]).json()["nodes"]) == 1
    # Its owner can, and the node is then refused by the cloud.
    assert (
        client.delete(f"/api/v1/nodes/{bob_node.node_id}", headers=bob["headers"]).status_code
        == 204
    )
    assert client.get("/api/v1/nodes", headers=bob["headers"]).json()["nodes"] == []
    path = f"/api/v1/nodes/{bob_node.node_id}/license"
    assert client.post(path, headers=bob_node.headers("POST", path)).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/admin/accounts?email=a"),
        ("GET", "/api/v1/admin/accounts/acc_x"),
        ("PATCH", "/api/v1/admin/accounts/acc_x"),
        ("GET", "/api/v1/admin/audit"),
        ("GET", "/api/v1/admin/outbox"),
    ],
)
def test_a_member_gets_403_on_the_admin_api(
    client: TestClient, member: Any, method: str, path: str
) -> None:
    response = client.request(method, path, headers=member()["headers"], json={"plan": "pro"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_admin_api_without_a_session_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/admin/audit").json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    "path", ["/admin", "/admin/accounts/acc_x", "/admin/outbox", "/admin/audit"]
)
def test_a_member_gets_403_on_admin_pages(
    client: TestClient, member: Any, form_token: Any, path: str
) -> None:
    who = member()
    token = form_token(client, "/signin")
    signed_in = client.post(
        "/signin",
        data={
            "email": who["email"],
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert signed_in.status_code == 303
    page = client.get(path)
    assert page.status_code == 403
    assert who["email"] not in page.text or "Forbidden" in page.text


def test_a_member_cannot_post_admin_forms(
    client: TestClient, member: Any, admin: Any, form_token: Any
) -> None:
    victim = member()
    who = member()
    token = form_token(client, "/signin")
    client.post(
        "/signin",
        data={
            "email": who["email"],
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    token = form_token(client, "/account")
    response = client.post(
        f"/admin/accounts/{victim['account']['id']}/plan", data={"plan": "pro", "csrf_token": token}
    )
    assert response.status_code == 403
    account = client.get(
        f"/api/v1/admin/accounts/{victim['account']['id']}", headers=admin["headers"]
    )
    assert account.json()["plan"] == "community"
