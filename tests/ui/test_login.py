"""Signing in and out of the console, and the sign-in throttle."""

from __future__ import annotations

from harbor.runtime import login
from harbor.store.models import OperatorToken
from tests.ui.conftest import form_token


def test_pages_send_a_visitor_to_sign_in_and_back(ui_client, operator):
    response = ui_client.get("/approvals?status=pending")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/approvals%3Fstatus%3Dpending"
    token = form_token(ui_client, "/login")
    signed = ui_client.post(
        "/login",
        data={"password": operator, "csrf_token": token, "next": "/approvals?status=pending"},
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/approvals?status=pending"
    assert ui_client.get("/").status_code == 200


def test_the_session_cookie_is_httponly_and_lax(ui_client, operator):
    token = form_token(ui_client, "/login")
    response = ui_client.post("/login", data={"password": operator, "csrf_token": token})
    cookie = next(
        value for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith("harbor_session=")
    )  # fmt: skip
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over plain HTTP on loopback


def test_the_session_cookie_is_secure_over_https(harbor_app, operator):
    from starlette.testclient import TestClient

    with TestClient(harbor_app, base_url="https://testserver", follow_redirects=False) as client:
        token = form_token(client, "/login")
        response = client.post("/login", data={"password": operator, "csrf_token": token})
    assert "Secure" in response.headers["set-cookie"]


def test_a_wrong_password_is_shown_inline(ui_client, operator):
    token = form_token(ui_client, "/login")
    response = ui_client.post("/login", data={"password": "not it at all", "csrf_token": token})
    assert response.status_code == 401
    assert "Wrong password" in response.text
    assert "Traceback" not in response.text


def test_sign_in_is_throttled_after_repeated_wrong_passwords(ui_client, operator, harbor_node):
    token = form_token(ui_client, "/login")
    for _ in range(login.MAX_FAILURES):
        ui_client.post("/login", data={"password": "wrong password!", "csrf_token": token})
    response = ui_client.post("/login", data={"password": operator, "csrf_token": token})
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.text
    assert int(response.headers["retry-after"]) > 0
    api = ui_client.post("/api/v1/auth/login", json={"password": operator})
    assert api.status_code == 429  # the same throttle holds for the API
    audit = harbor_node.store
    with audit.read_session() as session:
        from sqlmodel import select

        from harbor.store.ports import AuditEvent

        outcomes = [
            ev.outcome
            for ev in session.exec(select(AuditEvent).where(AuditEvent.type == "operator.login"))
        ]
    assert outcomes.count("denied") == login.MAX_FAILURES
    assert "rate_limited" in outcomes


def test_sign_out_revokes_the_session_on_the_node(signed_in_client, harbor_node):
    cookie = signed_in_client.cookies.get("harbor_session")
    token = form_token(signed_in_client, "/")
    response = signed_in_client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    with harbor_node.store.read_session() as session:
        from sqlmodel import select

        row = session.exec(select(OperatorToken).where(OperatorToken.name == "web session")).one()
    assert row.revoked_at is not None
    # The old cookie is useless even if someone kept it.
    signed_in_client.cookies.set("harbor_session", cookie)
    assert signed_in_client.get("/").status_code == 303


def test_next_never_leaves_the_node(ui_client, operator):
    token = form_token(ui_client, "/login")
    response = ui_client.post(
        "/login", data={"password": operator, "csrf_token": token, "next": "//evil.example/x"}
    )
    assert response.headers["location"] == "/"


def test_sign_in_and_out_in_the_browser(page, operator, shot):
    page.goto("/calls")
    page.wait_for_url("**/login?next=/calls")
    shot(page, "login")
    page.get_by_label("Operator password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert "Wrong password" in page.get_by_role("alert").inner_text()
    shot(page, "login-wrong-password")
    shot(page, "login-wrong-password", phone=True)
    page.get_by_label("Operator password").fill(operator)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/calls")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert "You are signed out." in page.get_by_role("status").inner_text()
    page.goto("/")
    page.wait_for_url("**/login?next=/")
