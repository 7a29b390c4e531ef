"""The web areas without a browser: cookies, CSRF on every form post, sign-in redirects."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

PASSWORD = "correct horse battery staple"


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/account", "/account/password", "/admin"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/signin"


def test_sign_up_form_sets_an_httponly_lax_session_cookie(
    client: TestClient, form_token: Any
) -> None:
    token = form_token(client, "/signup")
    response = client.post(
        "/signup", data={"email": "web@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "harbor_cloud_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "web@example.org" in client.get("/account").text


def test_form_posts_without_the_csrf_token_are_refused(
    client: TestClient, member: Any, form_token: Any
) -> None:
    refused = client.post(
        "/signup", data={"email": "x@example.org", "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert refused.status_code == 403
    who = member()
    token = form_token(client, "/signin")
    client.post("/signin", data={"email": who["email"], "password": PASSWORD, "csrf_token": token})
    forged = client.post("/account/enrollment-codes", data={"csrf_token": token})
    assert forged.status_code == 403  # the pre-session token is not valid for the session
    good = client.post(
        "/account/enrollment-codes", data={"csrf_token": form_token(client, "/account")}
    )
    assert good.status_code == 200
    assert "harbor cloud enroll --url http://testserver --code " in good.text


def test_wrong_password_shows_an_inline_message(
    client: TestClient, member: Any, form_token: Any
) -> None:
    who = member()
    token = form_token(client, "/signin")
    response = client.post(
        "/signin", data={"email": who["email"], "password": "wrong password!", "csrf_token": token}
    )
    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert "wrong" in response.text


def test_member_unenrolls_a_node_from_the_account_page(
    client: TestClient, member: Any, enroll: Any, form_token: Any
) -> None:
    who = member()
    node, _ = enroll(who, name="den-node")
    token = form_token(client, "/signin")
    client.post("/signin", data={"email": who["email"], "password": PASSWORD, "csrf_token": token})
    page = client.get("/account")
    assert "den-node" in page.text
    response = client.post(
        f"/account/nodes/{node.node_id}/unenroll",
        data={"csrf_token": form_token(client, "/account")},
    )
    assert response.status_code == 303
    assert "den-node" not in client.get("/account").text


def test_openapi_is_served_under_api_v1(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/nodes/enroll" in schema["paths"]
    assert not any(path.startswith("/admin") for path in schema["paths"])


def test_unknown_api_route_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_forgot_and_reset_forms_set_a_new_password_once(
    client: TestClient, member: Any, admin: Any, form_token: Any
) -> None:
    who = member()
    asked = client.post(
        "/forgot", data={"email": who["email"], "csrf_token": form_token(client, "/forgot")}
    )
    assert asked.status_code == 200
    assert "reset link is on its way" in asked.text
    outbox = client.get("/api/v1/admin/outbox", headers=admin["headers"]).json()["messages"]
    link = re.search(r"http://testserver(/reset\?token=[A-Za-z0-9_-]+)", outbox[0]["body"])
    assert link, outbox[0]["body"]
    token = link.group(1).split("=", 1)[1]
    new_password = "reset through the web 7"
    data = {
        "token": token,
        "password": new_password,
        "csrf_token": form_token(client, link.group(1)),
    }
    assert client.post("/reset", data=data).status_code == 200
    reused = client.post("/reset", data=data)
    assert reused.status_code == 422
    assert "unknown, used or expired" in reused.text
    signed_in = client.post(
        "/signin",
        data={
            "email": who["email"],
            "password": new_password,
            "csrf_token": form_token(client, "/signin"),
        },
    )
    assert signed_in.status_code == 303


def test_a_member_cannot_unenroll_another_members_node_from_the_web(
    client: TestClient, member: Any, enroll: Any, form_token: Any
) -> None:
    owner, intruder = member(), member()
    node, _ = enroll(owner)
    client.post(
        "/signin",
        data={
            "email": intruder["email"],
            "password": PASSWORD,
            "csrf_token": form_token(client, "/signin"),
        },
    )
    response = client.post(
        f"/account/nodes/{node.node_id}/unenroll",
        data={"csrf_token": form_token(client, "/account")},
    )
    assert response.status_code == 404
    assert len(client.get("/api/v1/nodes", headers=owner["headers"]).json()["nodes"]) == 1
