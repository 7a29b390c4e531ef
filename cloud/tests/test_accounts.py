"""Accounts: sign up, sign in and its throttle, sign out, password change, reset via outbox."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import select
from starlette.testclient import TestClient

from harbor_cloud.context import Cloud
from harbor_cloud.store.engine import utcnow
from harbor_cloud.store.models import Account, ResetToken

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new password 42"


def sign_in(client: TestClient, email: str, password: str) -> Any:
    return client.post("/api/v1/sessions", json={"email": email, "password": password})


def test_sign_up_creates_a_community_account_without_its_hash(client: TestClient) -> None:
    response = client.post(
        "/api/v1/accounts", json={"email": "Ada@Example.org ", "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.org"
    assert body["plan"] == "community"
    assert body["features"] == []
    assert body["id"].startswith("acc_")
    assert "password" not in response.text
    assert "argon2" not in response.text


def test_duplicate_email_is_a_conflict(client: TestClient) -> None:
    client.post("/api/v1/accounts", json={"email": "a@example.org", "password": PASSWORD})
    again = client.post("/api/v1/accounts", json={"email": "A@example.org", "password": PASSWORD})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "conflict"


def test_short_password_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/accounts", json={"email": "a@example.org", "password": "short"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_password_is_stored_as_argon2(client: TestClient, cloud: Cloud) -> None:
    client.post("/api/v1/accounts", json={"email": "a@example.org", "password": PASSWORD})
    with cloud.store.session() as session:
        account = session.exec(select(Account)).one()
    assert account.password_hash.startswith("$argon2id$")


def test_sign_in_gives_a_bearer_session_and_sign_out_ends_it(
    client: TestClient, member: Any
) -> None:
    who = member()
    account = client.get("/api/v1/account", headers=who["headers"])
    assert account.status_code == 200
    assert account.json()["email"] == who["email"]
    assert client.delete("/api/v1/sessions/current", headers=who["headers"]).status_code == 204
    after = client.get("/api/v1/account", headers=who["headers"])
    assert after.status_code == 401
    assert after.json()["code"] == "unauthorized"


def test_wrong_password_and_unknown_email_are_the_same_401(client: TestClient, member: Any) -> None:
    who = member()
    wrong = sign_in(client, who["email"], "not the password at all")
    unknown = sign_in(client, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_sign_in_is_throttled_after_five_failures_even_with_the_right_password(
    client: TestClient, member: Any
) -> None:
    who = member()
    for _ in range(5):
        assert sign_in(client, who["email"], "wrong password 123").status_code == 401
    throttled = sign_in(client, who["email"], PASSWORD)
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "rate_limited"
    assert 1 <= int(throttled.headers["retry-after"]) <= 15 * 60
    # Another account is not affected: the throttle counts per email.
    other = member()
    assert sign_in(client, other["email"], PASSWORD).status_code == 201


def test_throttle_lives_in_the_database(client: TestClient, member: Any, cloud: Cloud) -> None:
    who = member()
    for _ in range(5):
        sign_in(client, who["email"], "wrong password 123")
    # A second app on the same database (another worker) sees the same count.
    from harbor_cloud.app import create_app

    with TestClient(create_app(cloud.settings)) as other_worker:
        assert sign_in(other_worker, who["email"], PASSWORD).status_code == 429


def test_change_password_needs_the_current_one_and_ends_other_sessions(
    client: TestClient, member: Any
) -> None:
    who = member()
    other = sign_in(client, who["email"], PASSWORD).json()["token"]
    refused = client.post(
        "/api/v1/account/password",
        headers=who["headers"],
        json={"current_password": "not my password!", "new_password": NEW_PASSWORD},
    )
    assert refused.status_code == 401
    changed = client.post(
        "/api/v1/account/password",
        headers=who["headers"],
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204
    assert client.get("/api/v1/account", headers=who["headers"]).status_code == 200
    other_headers = {"Authorization": f"Bearer {other}"}
    assert client.get("/api/v1/account", headers=other_headers).status_code == 401
    assert sign_in(client, who["email"], PASSWORD).status_code == 401
    assert sign_in(client, who["email"], NEW_PASSWORD).status_code == 201


def _reset_link_token(client: TestClient, admin: Any, email: str) -> str:
    outbox = client.get("/api/v1/admin/outbox", headers=admin["headers"]).json()["messages"]
    mine = [m for m in outbox if m["recipient"] == email]
    assert mine, outbox
    match = re.search(r"/reset\?token=([A-Za-z0-9_-]+)", mine[0]["body"])
    assert match, mine[0]["body"]
    return match.group(1)


def test_password_reset_through_the_outbox_works_once(
    client: TestClient, member: Any, admin: Any
) -> None:
    who = member()
    asked = client.post("/api/v1/password-resets", json={"email": who["email"]})
    assert asked.status_code == 202
    token = _reset_link_token(client, admin, who["email"])
    body = {"token": token, "password": NEW_PASSWORD}
    assert client.post("/api/v1/password-resets/confirm", json=body).status_code == 204
    assert sign_in(client, who["email"], NEW_PASSWORD).status_code == 201
    # The reset ended the sessions opened with the old password.
    assert client.get("/api/v1/account", headers=who["headers"]).status_code == 401
    again = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": "third password 99"}
    )
    assert again.status_code == 422
    assert sign_in(client, who["email"], "third password 99").status_code == 401


def test_expired_reset_token_is_refused(
    client: TestClient, member: Any, admin: Any, cloud: Cloud
) -> None:
    who = member()
    client.post("/api/v1/password-resets", json={"email": who["email"]})
    token = _reset_link_token(client, admin, who["email"])
    with cloud.store.session() as session:
        session.execute(update(ResetToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    refused = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert refused.status_code == 422
    assert sign_in(client, who["email"], PASSWORD).status_code == 201


def test_reset_for_an_unknown_email_answers_the_same_and_sends_nothing(
    client: TestClient, admin: Any
) -> None:
    asked = client.post("/api/v1/password-resets", json={"email": "nobody@example.org"})
    assert asked.status_code == 202
    assert client.get("/api/v1/admin/outbox", headers=admin["headers"]).json()["messages"] == []
