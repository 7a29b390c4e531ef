"""Connecting OAuth ports in the console: the Connection panel, Connect / Disconnect, the
needs-reconnect banner, the callback page; plus the Ports section's sub-navigation and the
labelled console sign-ins on the Agents page.

The browser test runs a Gmail port against the strict loopback authorization server of
``tests/oauth_server.py`` (authlib: PKCE required, exact redirect, one-time codes), given a
consent page and Gmail's list endpoint here. The node's own port is the live console's, so
the provider's redirect to ``http://127.0.0.1:<node port>/oauth/callback`` reaches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from flask import jsonify, request
from markupsafe import escape
from sqlmodel import select

from harbor.node import Node
from harbor.runtime.oauth import redirect_uri
from harbor.settings import Settings
from harbor.store.ports import Port
from tests import oauth_server as fixtures
from tests.conftest import free_port
from tests.oauth_server import CLIENT_ID, CLIENT_SECRET, PORT, Client, OAuthTestServer, serve
from tests.ui.conftest import LiveConsole, form_token

oauth_server = fixtures.oauth_server
oauth_port = fixtures.oauth_port

GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail."
READONLY = f"{GMAIL_SCOPE}readonly"
UNREAD = {"messages": [{"id": "18c2a", "threadId": "18c20"}], "resultSizeEstimate": 1}
UNAUTHENTICATED = {
    "error": {
        "code": 401,
        "message": "Request had invalid authentication credentials.",
        "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError"}],
        "status": "UNAUTHENTICATED",
    }
}


@pytest.fixture
def harbor_settings(harbor_settings: Settings) -> Settings:
    """The node listens on a free loopback port: its redirect URI is the live console's."""
    return harbor_settings.model_copy(update={"port": free_port()})


@pytest.fixture
def console(harbor_app: FastAPI, harbor_node: Node) -> Iterator[LiveConsole]:
    """The live console on the node's own port (where the provider sends the browser back)."""
    live = LiveConsole(harbor_app, port=harbor_node.settings.port).start()
    yield live
    live.stop()


class GmailClient(Client):
    """The operator's OAuth client, allowed Gmail's scopes."""

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in (scope or "").split() if s.startswith(GMAIL_SCOPE))


def add_consent_page(server: OAuthTestServer) -> None:
    """``/consent``: the provider's page where the user allows access (it then authorizes)."""

    @server.app.get("/consent")
    def consent() -> str:
        scopes = "".join(f"<li>{escape(s)}</li>" for s in request.args["scope"].split())
        fields = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in request.args.items()
        )
        return (
            "<!doctype html><title>Sign in - Test Google</title><h1>Harbor wants to access "
            f"your mailbox</h1><ul>{scopes}</ul>"
            f'<form method="get" action="/authorize">{fields}<button>Allow</button></form>'
        )


def add_gmail_messages(server: OAuthTestServer) -> None:
    """Gmail's ``users/me/messages`` list, answering only to a live access token."""

    @server.app.get("/gmail/v1/users/me/messages")
    def messages() -> Any:
        value = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if any(
            t.access_token == value and not t.revoked and not t.is_expired() for t in server.tokens
        ):
            return jsonify(UNREAD)
        return jsonify(UNAUTHENTICATED), 401


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch, harbor_node: Node) -> Iterator[OAuthTestServer]:
    """The loopback authorization server as Google: consent page, token, revoke, Gmail list."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http, on loopback only
    server = OAuthTestServer()
    server.client = GmailClient(redirect_uris=[redirect_uri(harbor_node)])
    add_consent_page(server)
    add_gmail_messages(server)
    yield from serve(server)


def create_gmail_port_in_the_browser(page: Any, google: OAuthTestServer) -> None:
    page.goto("/ports")
    page.get_by_role("link", name="New port").click()
    page.get_by_role("link", name="Gmail").click()
    page.get_by_label("Port name").fill("mail")
    page.get_by_label("Api base url").fill(google.url)
    page.get_by_label("Oauth authorize url").fill(f"{google.url}/consent")
    page.get_by_label("Oauth token url").fill(f"{google.url}/token")
    page.get_by_label("Oauth revoke url").fill(f"{google.url}/revoke")
    page.get_by_label("Allow private hosts").fill("127.0.0.1")
    page.get_by_label("Client id", exact=False).and_(page.locator("input[type=password]")).fill(
        CLIENT_ID
    )
    page.get_by_label("Client secret", exact=False).and_(page.locator("input[type=password]")).fill(
        CLIENT_SECRET
    )
    page.get_by_role("button", name="Create port").click()
    page.wait_for_url("**/ports/mail")


def publish_list_unread(api: httpx.Client) -> None:
    drafts = api.post("/api/v1/ports/mail/templates/apply", json={"names": ["list_unread"]})
    assert drafts.status_code in (200, 201), drafts.text
    [draft] = drafts.json()
    assert api.post(f"/api/v1/drafts/{draft['id']}/validate", json={}).status_code == 200
    published = api.post(f"/api/v1/drafts/{draft['id']}/publish", json={"force": True})
    assert published.status_code == 200, published.text


def sign_in_with_the_provider(page: Any, shot: Any, button: str) -> None:
    """Connect from the port page: consent at the provider, land on the callback page."""
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url("**/consent?*")
    assert "Harbor wants to access your mailbox" in page.inner_text("body")
    assert READONLY in page.inner_text("body")
    shot(page, "provider-consent")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url("**/oauth/callback?*")
    assert "Port 'mail' is connected." in page.inner_text("main")
    shot(page, "callback-page")
    page.get_by_role("link", name="Back to mail").click()
    page.wait_for_url("**/ports/mail#connection")


def list_unread(agent_api: httpx.Client) -> httpx.Response:
    return agent_api.post("/api/v1/calls", json={"action": "mail.list_unread", "arguments": {}})


def test_connect_a_gmail_port_lose_the_grant_and_reconnect_in_the_browser(
    signed_in, operator_api, agent_api, google, shot
):
    page = signed_in
    create_gmail_port_in_the_browser(page, google)
    publish_list_unread(operator_api)
    page.goto("/ports/mail")
    panel = page.locator(".connection-panel")
    assert "Not connected" in panel.inner_text()
    assert READONLY in panel.inner_text()  # needed, not granted yet
    assert "Not connected yet: connect it" in page.inner_text("main")
    assert "replace them below" not in page.inner_text("main")
    shot(page, "connection-not-connected")
    page.goto("/")
    assert "mail (gmail) — not connected yet" in page.locator("#reconnect-banner").inner_text()
    page.goto("/ports/mail")

    sign_in_with_the_provider(page, shot, "Connect")
    panel = page.locator(".connection-panel")
    assert "Connected" in panel.inner_text()
    granted = page.locator("dt:has-text('Scopes granted') + dd").inner_text()
    assert READONLY in granted
    assert "held on this node" in panel.inner_text()
    assert google.grants == ["authorization_code"]
    content = page.content()
    assert not any(t.access_token in content for t in google.tokens)
    shot(page, "connection-panel")
    shot(page, "connection-panel", phone=True)
    assert list_unread(agent_api).json()["status"] == "succeeded"

    google.revoke_everything()  # the user removed Harbor's access in their Google account
    failed = list_unread(agent_api)
    assert failed.status_code == 502, failed.text
    assert failed.json()["call"]["status"] == "failed"
    assert operator_api.get("/api/v1/ports/mail").json()["status"] == "needs_reconnect"
    refused = list_unread(agent_api)
    assert refused.status_code == 409
    assert refused.json()["code"] == "port_not_ready"

    page.goto("/")
    banner = page.locator("#reconnect-banner")
    assert "mail" in banner.inner_text()
    assert "the service rejected its credentials" in banner.inner_text()
    shot(page, "overview-banner")
    banner.get_by_role("link", name="mail").click()
    page.wait_for_url("**/ports/mail")
    assert "mail needs reconnecting" in page.locator("#reconnect-banner").inner_text()
    assert "The provider rejected its tokens: reconnect it" in page.inner_text("main")
    shot(page, "workspace-banner")

    sign_in_with_the_provider(page, shot, "Reconnect mail")
    assert page.locator("#reconnect-banner").count() == 0
    assert operator_api.get("/api/v1/ports/mail").json()["status"] == "ready"
    assert list_unread(agent_api).json()["status"] == "succeeded"
    page.goto("/")
    assert page.locator("#reconnect-banner").count() == 0

    page.goto("/ports/mail")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Disconnect").click()
    page.wait_for_url("**/ports/mail#connection")
    assert "mail disconnected: revoked at the provider" in page.inner_text("main")
    assert "Not connected" in page.locator(".connection-panel").inner_text()
    assert google.revocations == ["refresh_token"]
    shot(page, "disconnected")


# --- the forms without a browser --------------------------------------------------------------


def test_connect_sends_the_browser_to_the_provider_with_pkce_and_state(
    signed_in_client, oauth_port, oauth_server
):
    token = form_token(signed_in_client, f"/ports/{PORT}")
    started = signed_in_client.post(f"/ports/{PORT}/oauth/connect", data={"csrf_token": token})
    assert started.status_code == 303
    location = started.headers["location"]
    assert location.startswith(f"{oauth_server.url}/authorize?")
    assert "code_challenge_method=S256" in location
    assert "state=" in location


def test_the_port_page_may_post_to_the_provider_and_nowhere_else(
    signed_in_client, oauth_port, oauth_server
):
    policy = signed_in_client.get(f"/ports/{PORT}").headers["content-security-policy"]
    directive = next(d for d in policy.split(";") if "form-action" in d).split()
    assert directive == ["form-action", "'self'", oauth_server.url]  # the config's endpoint
    assert (
        "form-action 'self';" in signed_in_client.get("/ports").headers["content-security-policy"]
    )


def test_connect_and_disconnect_need_the_csrf_token(signed_in_client, oauth_port, harbor_node):
    for path in (f"/ports/{PORT}/oauth/connect", f"/ports/{PORT}/oauth/disconnect"):
        assert signed_in_client.post(path, data={}).status_code == 403
        assert signed_in_client.post(path, data={"csrf_token": "0" * 64}).status_code == 403
    with harbor_node.store.read_session() as session:
        assert session.exec(select(Port).where(Port.name == PORT)).one().auth_failed is False


def test_agent_keys_cannot_connect_or_disconnect(console, agent_key, oauth_port):
    headers = {"Authorization": f"Bearer {agent_key}"}
    with httpx.Client(base_url=console.url, headers=headers, timeout=30) as agent:
        for path in (f"/ports/{PORT}/oauth/connect", f"/ports/{PORT}/oauth/disconnect"):
            answer = agent.post(path, data={})
            assert answer.status_code in (303, 403), answer.text
            assert not answer.headers.get("location", "").startswith("http://127.0.0.1:")
            api = agent.post(f"/api/v1{path}")
            assert api.status_code == 403
            assert api.json()["code"] == "forbidden"


def test_connecting_without_an_oauth_client_says_what_to_set(signed_in_client, oauth_port):
    token = form_token(signed_in_client, f"/ports/{PORT}")
    removed = signed_in_client.post(
        f"/ports/{PORT}/secrets/client_id/remove", data={"csrf_token": token}
    )
    assert removed.status_code == 303
    started = signed_in_client.post(f"/ports/{PORT}/oauth/connect", data={"csrf_token": token})
    assert started.status_code == 409
    assert "has no OAuth client id: set its secret" in started.text


def test_disconnect_revokes_at_the_provider_and_says_so(
    signed_in_client, operator_api, oauth_port, oauth_server
):
    started = operator_api.post(f"/api/v1/ports/{PORT}/oauth/connect").json()
    callback = httpx.get(oauth_server.sign_in(started["authorization_url"]))
    assert callback.status_code == 200, callback.text
    token = form_token(signed_in_client, f"/ports/{PORT}")
    page = signed_in_client.get(f"/ports/{PORT}").text
    assert "Disconnect" in page
    assert "profile.read" in page
    done = signed_in_client.post(f"/ports/{PORT}/oauth/disconnect", data={"csrf_token": token})
    assert done.status_code == 303
    assert oauth_server.revocations == ["refresh_token"]
    after = signed_in_client.get(done.headers["location"]).text
    assert "disconnected: revoked at the provider" in after
    assert "Not connected" in after


def test_a_failed_callback_is_a_console_page_without_a_session(console, oauth_port):
    with httpx.Client(base_url=console.url, timeout=30) as browser:
        answer = browser.get("/oauth/callback", params={"state": "forged", "code": "x"})
    assert answer.status_code == 400
    assert "unknown or was already used" in answer.text
    assert 'href="/static/harbor.css"' in answer.text
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


# --- navigation ---------------------------------------------------------------------------------


def test_dock_import_and_packs_belong_to_the_ports_section(signed_in_client):
    for path in ("/ports", "/dock/import", "/packs"):
        page = signed_in_client.get(path).text
        assert '<a href="/ports" aria-current="page">Ports' in page  # the top navigation
        assert '<nav class="subnav" aria-label="Ports section">' in page
        assert page.count('aria-current="page"') == 2


def test_console_sign_ins_are_labelled_on_the_agents_page(signed_in_client, console, operator):
    with httpx.Client(base_url=console.url, timeout=30) as other_browser:
        token = form_token(other_browser, "/login")
        other_browser.post("/login", data={"password": operator, "csrf_token": token})
    page = signed_in_client.get("/agents").text
    assert "this session" in page
    assert "console sign-in" in page
    assert "A sign-in to this console from a browser" in page
