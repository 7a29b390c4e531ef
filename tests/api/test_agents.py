"""/api/v1/agents: create with a key shown once, list, revoke, keys."""

from __future__ import annotations


def create(client, name="builder", scopes=("github-*.list_*",), **extra):
    return client.post("/api/v1/agents", json={"name": name, "scopes": list(scopes), **extra})


def test_create_agent_returns_the_key_once(operator_client):
    response = create(operator_client, description="CI bot")
    assert response.status_code == 201
    body = response.json()
    key = body["key"]["key"]
    assert key.startswith("hba_")
    assert body["key"]["prefix"] == key[:12]
    assert body["agent"]["scopes"] == ["github-*.list_*"]
    listed = operator_client.get("/api/v1/agents").text
    assert key not in listed
    assert key[:12] in listed


def test_new_key_authenticates_as_the_agent(operator_client, anon_client):
    key = create(operator_client).json()["key"]["key"]
    who = anon_client.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {key}"})
    assert who.json()["name"] == "builder"


def test_duplicate_agent_name_is_a_conflict(operator_client):
    assert create(operator_client).status_code == 201
    response = create(operator_client)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "builder" in response.json()["detail"]
    assert len(operator_client.get("/api/v1/agents").json()) == 1


def test_bad_scope_is_refused_and_nothing_is_created(operator_client):
    response = create(operator_client, scopes=["not a scope"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/scopes/0"
    assert response.json()["code"] == "invalid_request"
    assert operator_client.get("/api/v1/agents").json() == []


def test_bad_name_is_refused_with_a_pointer(operator_client):
    response = create(operator_client, name="Bad Name")
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/name"


def test_add_and_revoke_a_key(operator_client, anon_client):
    create(operator_client)
    added = operator_client.post("/api/v1/agents/builder/keys", json={"expires_in_days": 30})
    assert added.status_code == 201
    new_key = added.json()
    assert new_key["expires_at"] is not None
    revoked = operator_client.post(f"/api/v1/agents/builder/keys/{new_key['id']}/revoke")
    assert revoked.json()["revoked_at"] is not None
    who = anon_client.get(
        "/api/v1/auth/whoami", headers={"Authorization": f"Bearer {new_key['key']}"}
    )
    assert who.status_code == 401


def test_revoking_an_agent_revokes_all_keys(operator_client):
    create(operator_client)
    operator_client.post("/api/v1/agents/builder/keys", json={})
    body = operator_client.post("/api/v1/agents/builder/revoke").json()
    assert body["revoked_at"] is not None
    assert len(body["keys"]) == 2
    assert all(k["revoked_at"] for k in body["keys"])
    again = operator_client.post("/api/v1/agents/builder/keys", json={})
    assert again.status_code == 409


def test_unknown_agent_is_not_found(operator_client):
    response = operator_client.get("/api/v1/agents/ghost")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_rotating_a_key_shows_the_new_key_once_and_revokes_the_old(operator_client, anon_client):
    old = create(operator_client).json()["key"]
    rotated = operator_client.post(
        f"/api/v1/agents/builder/keys/{old['id']}/rotate", json={"expires_in_days": 7}
    )
    assert rotated.status_code == 201
    new = rotated.json()
    assert new["key"].startswith("hba_")
    assert new["id"] != old["id"]
    assert new["expires_at"] is not None

    def whoami(key):
        return anon_client.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {key}"})

    assert whoami(old["key"]).status_code == 401
    assert whoami(new["key"]).json()["name"] == "builder"
    agent = operator_client.get("/api/v1/agents/builder").json()
    assert new["key"] not in str(agent)
    states = {k["id"]: k["revoked_at"] is not None for k in agent["keys"]}
    assert states == {old["id"]: True, new["id"]: False}
    events = operator_client.get("/api/v1/audit", params={"type": "agent_key.rotated"}).json()
    assert events["events"][0]["details"]["old_key_id"] == old["id"]


def test_rotating_a_revoked_key_is_a_conflict_and_adds_no_key(operator_client):
    old = create(operator_client).json()["key"]
    operator_client.post(f"/api/v1/agents/builder/keys/{old['id']}/revoke")
    response = operator_client.post(f"/api/v1/agents/builder/keys/{old['id']}/rotate", json={})
    assert response.status_code == 409
    assert "already revoked" in response.json()["detail"]
    assert len(operator_client.get("/api/v1/agents/builder").json()["keys"]) == 1


def test_rotating_another_agents_key_is_not_found(operator_client):
    create(operator_client)
    other = create(operator_client, name="other").json()["key"]
    response = operator_client.post(f"/api/v1/agents/builder/keys/{other['id']}/rotate", json={})
    assert response.status_code == 404


def test_update_replaces_the_scopes_and_keeps_the_keys(operator_client, anon_client):
    key = create(operator_client).json()["key"]["key"]
    updated = operator_client.patch("/api/v1/agents/builder", json={"scopes": ["up.*"]})
    assert updated.status_code == 200
    assert updated.json()["scopes"] == ["up.*"]
    assert updated.json()["description"] == ""
    who = anon_client.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {key}"})
    assert who.json()["scopes"] == ["up.*"]
    events = operator_client.get("/api/v1/audit", params={"type": "agent.updated"}).json()
    assert events["events"][0]["details"]["scopes"] == {"from": ["github-*.list_*"], "to": ["up.*"]}


def test_update_refuses_bad_scopes_and_revoked_agents(operator_client):
    create(operator_client)
    bad = operator_client.patch("/api/v1/agents/builder", json={"scopes": ["no scope"]})
    assert bad.status_code == 422
    operator_client.post("/api/v1/agents/builder/revoke")
    late = operator_client.patch("/api/v1/agents/builder", json={"description": "x"})
    assert late.status_code == 409
