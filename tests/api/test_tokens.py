"""/api/v1/tokens: operator API tokens."""

from __future__ import annotations


def test_create_list_revoke_token(operator_client, anon_client):
    created = operator_client.post("/api/v1/tokens", json={"name": "laptop"}).json()
    token = created["token"]
    assert token.startswith("hbo_")
    listed = operator_client.get("/api/v1/tokens")
    assert token not in listed.text
    assert {t["name"] for t in listed.json()} == {"tests", "laptop"}
    headers = {"Authorization": f"Bearer {token}"}
    assert anon_client.get("/api/v1/agents", headers=headers).status_code == 200
    operator_client.post(f"/api/v1/tokens/{created['id']}/revoke")
    assert anon_client.get("/api/v1/agents", headers=headers).status_code == 401


def test_revoking_an_unknown_token_is_not_found(operator_client):
    assert operator_client.post("/api/v1/tokens/9999/revoke").status_code == 404
