"""First run (setup token), sign-in and password change."""

from __future__ import annotations

import pytest

from harbor.runtime import setup
from harbor.testing import OPERATOR_PASSWORD

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def setup_token(harbor_node):
    """A fresh one-time setup token on a node with no operator."""
    with harbor_node.store.session() as session:
        return setup.issue_setup_token(session)


def test_setup_token_sets_the_operator_password_once(anon_client, setup_token):
    response = anon_client.post(
        "/api/v1/setup", json={"setup_token": setup_token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert (
        anon_client.get("/api/v1/agents", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    again = anon_client.post(
        "/api/v1/setup", json={"setup_token": setup_token, "password": NEW_PASSWORD}
    )
    assert again.status_code == 409


def test_wrong_setup_token_is_refused(anon_client, setup_token):
    response = anon_client.post(
        "/api/v1/setup", json={"setup_token": "hbs_wrong", "password": NEW_PASSWORD}
    )
    assert response.status_code == 401
    login = anon_client.post("/api/v1/auth/login", json={"password": NEW_PASSWORD})
    assert login.status_code == 401


def test_short_password_is_refused(anon_client, setup_token):
    response = anon_client.post(
        "/api/v1/setup", json={"setup_token": setup_token, "password": "short"}
    )
    assert response.status_code == 422


def test_login_and_password_change(operator_client, anon_client):
    login = anon_client.post("/api/v1/auth/login", json={"password": OPERATOR_PASSWORD})
    assert login.status_code == 201
    assert login.json()["token"].startswith("hbo_")
    wrong = operator_client.post(
        "/api/v1/auth/password",
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401
    changed = operator_client.post(
        "/api/v1/auth/password",
        json={"current_password": OPERATOR_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204
    old = anon_client.post("/api/v1/auth/login", json={"password": OPERATOR_PASSWORD})
    assert old.status_code == 401
    assert (
        anon_client.post("/api/v1/auth/login", json={"password": NEW_PASSWORD}).status_code == 201
    )
