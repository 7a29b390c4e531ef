"""The operator/agent split: enforced in one place, for every route."""

from __future__ import annotations

import re

import pytest

from harbor.api.openapi import iter_operations, operation_access
from harbor.runtime import identity

SAMPLE = {"name": "x", "key_id": "1", "token_id": "1"}


def operator_routes(app):
    """(method, concrete path) for every operator-only route of the app."""
    for method, path, operation in iter_operations(app.openapi()):
        if operation_access(operation) == "operator":
            yield method, re.sub(r"{(\w+)}", lambda m: SAMPLE.get(m.group(1), "x"), path)


def test_there_are_operator_routes_to_check(harbor_app):
    assert len(list(operator_routes(harbor_app))) >= 10


def test_agent_key_gets_403_on_every_operator_route(harbor_app, agent_client):
    for method, path in operator_routes(harbor_app):
        response = agent_client.request(method, path, json={})
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer hba_wrong", "Bearer hbo_wrong", "Bearer nonsense", "Basic abc"],
    ids=["missing", "wrong-agent-key", "wrong-token", "unknown-shape", "not-bearer"],
)
def test_bad_credentials_get_401_everywhere(harbor_app, anon_client, header):
    headers = {"Authorization": header} if header else {}
    for method, path in operator_routes(harbor_app):
        response = anon_client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "unauthorized"
    assert anon_client.get("/api/v1/auth/whoami", headers=headers).status_code == 401


def test_agent_can_use_agent_routes(agent_client):
    body = agent_client.get("/api/v1/auth/whoami").json()
    assert body == {"role": "agent", "name": "test-agent", "scopes": ["*.*"], "operator_role": None}


def test_revoked_agent_key_gets_401(harbor_node, operator_client, agent_client):
    operator_client.post("/api/v1/agents/test-agent/revoke")
    response = agent_client.get("/api/v1/auth/whoami")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_expired_agent_key_gets_401(harbor_node, agent_client):
    from datetime import timedelta

    from sqlmodel import select

    from harbor.store.models import AgentKey
    from harbor.store.types import utcnow

    with harbor_node.store.session() as session:
        for key in session.exec(select(AgentKey)).all():
            key.expires_at = utcnow() - timedelta(seconds=1)
            session.add(key)
    response = agent_client.get("/api/v1/auth/whoami")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_revoked_operator_token_gets_401(harbor_node, operator_client, operator_token):
    with harbor_node.store.session() as session:
        token_id = identity.list_operator_tokens(session)[0].id
    assert operator_client.post(f"/api/v1/tokens/{token_id}/revoke").status_code == 200
    response = operator_client.get("/api/v1/agents")
    assert response.status_code == 401


def test_expired_operator_token_gets_401(harbor_node, operator_client):
    from datetime import timedelta

    from sqlmodel import select

    from harbor.store.models import OperatorToken
    from harbor.store.types import utcnow

    with harbor_node.store.session() as session:
        for token in session.exec(select(OperatorToken)).all():
            token.expires_at = utcnow() - timedelta(minutes=1)
            session.add(token)
    assert operator_client.get("/api/v1/agents").status_code == 401


def test_key_use_is_recorded(harbor_node, agent_client):
    agent_client.get("/api/v1/auth/whoami")
    with harbor_node.store.session() as session:
        agent = identity.list_agents(session)[0]
    assert agent.keys[0].last_used_at is not None
