"""Enrollment codes: one-time (even under concurrent use), short-lived, hashed at rest."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import select
from starlette.testclient import TestClient

from harbor_cloud.context import Cloud
from harbor_cloud.store.engine import utcnow
from harbor_cloud.store.models import EnrollmentCode, Node


def enroll_body(code: str, node: Any, name: str = "node") -> dict[str, Any]:
    return {"code": code, "node_public_key": node.public_jwk, "name": name, "version": "0.1.0"}


def new_code(client: TestClient, owner: dict[str, Any]) -> str:
    response = client.post("/api/v1/enrollment-codes", headers=owner["headers"])
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def test_code_expires_in_fifteen_minutes_and_is_stored_hashed(
    client: TestClient, member: Any, cloud: Cloud
) -> None:
    response = client.post("/api/v1/enrollment-codes", headers=member()["headers"])
    body = response.json()
    with cloud.store.session() as session:
        row = session.exec(select(EnrollmentCode)).one()
    code_chars = body["code"].replace("-", "")
    assert code_chars not in row.code_hash
    assert len(code_chars) == 20
    lifetime = row.expires_at - row.created_at
    assert timedelta(minutes=14) < lifetime <= timedelta(minutes=15)
    assert body["expires_at"].endswith("+00:00")


def test_enroll_returns_node_license_keys_and_email(
    new_node: Any, client: TestClient, member: Any
) -> None:
    owner = member()
    node = new_node()
    response = client.post(
        "/api/v1/nodes/enroll", json=enroll_body(new_code(client, owner), node, "attic")
    )
    assert response.status_code == 201
    body = response.json()
    assert body["node_id"].startswith("node_")
    assert len(body["node_id"]) == 21
    assert body["account_email"] == owner["email"]
    assert body["keys"] == client.get("/api/v1/keys").json()["keys"]
    assert body["license"].count(".") == 2
    nodes = client.get("/api/v1/nodes", headers=owner["headers"]).json()["nodes"]
    assert [(n["node_id"], n["name"], n["version"]) for n in nodes] == [
        (body["node_id"], "attic", "0.1.0")
    ]
    assert nodes[0]["license_expires_at"] is not None


def test_a_used_code_is_refused(new_node: Any, client: TestClient, member: Any) -> None:
    code = new_code(client, member())
    first = client.post("/api/v1/nodes/enroll", json=enroll_body(code, new_node()))
    assert first.status_code == 201
    second = client.post("/api/v1/nodes/enroll", json=enroll_body(code, new_node()))
    assert second.status_code == 403
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["code"] == "enrollment_code_invalid"


def test_unknown_and_expired_codes_get_the_same_refusal(
    new_node: Any, client: TestClient, member: Any, cloud: Cloud
) -> None:
    code = new_code(client, member())
    with cloud.store.session() as session:
        session.execute(update(EnrollmentCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = client.post("/api/v1/nodes/enroll", json=enroll_body(code, new_node()))
    unknown = client.post("/api/v1/nodes/enroll", json=enroll_body("AAAA-BBBB", new_node()))
    assert expired.status_code == unknown.status_code == 403
    assert expired.json()["code"] == unknown.json()["code"] == "enrollment_code_invalid"
    assert expired.json()["detail"] == unknown.json()["detail"]


def test_code_is_accepted_in_lower_case_without_dashes(
    new_node: Any, client: TestClient, member: Any
) -> None:
    code = new_code(client, member()).replace("-", "").lower()
    response = client.post("/api/v1/nodes/enroll", json=enroll_body(code, new_node()))
    assert response.status_code == 201


def test_concurrent_uses_of_one_code_enroll_exactly_one_node(
    new_node: Any, live_cloud: Any, client: TestClient, member: Any, cloud: Cloud
) -> None:
    code = new_code(client, member())
    attempts = 4
    start = threading.Barrier(attempts)
    statuses: list[int] = []

    def use() -> None:
        with httpx.Client(base_url=live_cloud.url, timeout=30) as http:
            start.wait()
            statuses.append(
                http.post("/api/v1/nodes/enroll", json=enroll_body(code, new_node())).status_code
            )

    threads = [threading.Thread(target=use) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [403] * (attempts - 1)
    with cloud.store.session() as session:
        assert len(session.exec(select(Node)).all()) == 1


def test_a_bad_node_key_is_refused_and_leaves_the_code_unused(
    new_node: Any, client: TestClient, member: Any
) -> None:
    code = new_code(client, member())
    bad = {
        "code": code,
        "node_public_key": {"kty": "OKP", "crv": "X25519", "x": "AAAA"},
        "name": "n",
        "version": "1",
    }
    assert client.post("/api/v1/nodes/enroll", json=bad).status_code == 422
    assert (
        client.post("/api/v1/nodes/enroll", json=enroll_body(code, new_node())).status_code == 201
    )


def test_enrollment_code_needs_a_signed_in_member(client: TestClient) -> None:
    response = client.post("/api/v1/enrollment-codes")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
