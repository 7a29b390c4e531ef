"""The OAuth routes: connect, the public callback page, status, disconnect, and token custody."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from sqlmodel import select

from harbor.runtime.audit import SYSTEM
from harbor.store.oauth import OAuthConnection
from harbor.store.ports import AuditEvent
from harbor.store.types import utcnow
from tests import oauth_server as fixtures
from tests.oauth_server import (
    ACCESS_PREFIX,
    CLIENT_SECRET,
    PORT,
    REFRESH_PREFIX,
    OAuthTestServer,
)

WHOAMI = {"type": "object", "properties": {}, "additionalProperties": False}

oauth_server = fixtures.oauth_server
oauth_port = fixtures.oauth_port


def browser_connect(client: Any, server: OAuthTestServer, port: str = PORT) -> Any:
    """Connect through the API and the browser redirect; the callback page's response."""
    started = client.post(f"/api/v1/ports/{port}/oauth/connect")
    assert started.status_code == 200, started.text
    location = server.sign_in(started.json()["authorization_url"])
    return client.get(location)  # the browser lands on http://127.0.0.1:<port>/oauth/callback


def publish_whoami(client: Any, port: str = PORT, action: str = "me") -> str:
    draft = client.post(
        f"/api/v1/ports/{port}/drafts",
        json={"action": action, "kind": "whoami", "description": "who am I", "risk": "read",
              "input_schema": WHOAMI, "definition": {}},
    )  # fmt: skip
    assert draft.status_code == 201, draft.text
    draft_id = draft.json()["id"]
    assert client.post(f"/api/v1/drafts/{draft_id}/validate", json={}).status_code == 200
    published = client.post(f"/api/v1/drafts/{draft_id}/publish", json={"force": True})
    assert published.status_code == 200, published.text
    return f"{port}.{action}"


def expire_access_token(node: Any) -> None:
    with node.store.session(SYSTEM) as session:
        conn = session.exec(select(OAuthConnection)).one()
        conn.expires_at = utcnow() - timedelta(seconds=5)
        session.add(conn)


def test_the_operator_connects_a_port_through_the_browser_flow(
    operator_client, oauth_port, oauth_server
):
    page = browser_connect(operator_client, oauth_server)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Port &#39;profile&#39; is connected. You can close this tab." in page.text
    status = operator_client.get(f"/api/v1/ports/{PORT}/oauth").json()
    assert status["connected"] is True
    assert status["scopes"] == ["profile.read"]
    assert status["required_scopes"] == ["profile.read"]
    assert status["missing_scopes"] == []
    assert operator_client.get(f"/api/v1/ports/{PORT}").json()["status"] == "ready"


def test_the_callback_shows_a_bad_state_in_plain_words(anon_client, oauth_port):
    page = anon_client.get("http://127.0.0.1:8765/oauth/callback?state=nope&code=x")
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "unknown or was already used; start connecting again" in page.text


def test_publishing_a_write_action_asks_for_its_scope_on_reconnect(
    operator_client, oauth_port, oauth_server
):
    browser_connect(operator_client, oauth_server)
    publish_whoami(operator_client)
    draft = operator_client.post(
        f"/api/v1/ports/{PORT}/drafts",
        json={"action": "rename", "kind": "write_profile", "description": "rename", "risk": "write",
              "input_schema": WHOAMI, "definition": {}},
    ).json()  # fmt: skip
    operator_client.post(f"/api/v1/drafts/{draft['id']}/validate", json={})
    operator_client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"force": True})
    status = operator_client.get(f"/api/v1/ports/{PORT}/oauth").json()
    assert status["missing_scopes"] == ["profile.write"]
    assert any("reconnect the port to grant them" in w for w in status["warnings"])
    started = operator_client.post(f"/api/v1/ports/{PORT}/oauth/connect").json()
    assert started["scopes"] == ["profile.read", "profile.write"]


def test_agents_can_neither_connect_nor_read_nor_disconnect(agent_client, oauth_port):
    for method, path in (
        ("POST", f"/api/v1/ports/{PORT}/oauth/connect"),
        ("GET", f"/api/v1/ports/{PORT}/oauth"),
        ("POST", f"/api/v1/ports/{PORT}/oauth/disconnect"),
    ):
        response = agent_client.request(method, path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "forbidden"


def test_connecting_a_port_without_oauth_or_without_a_client_is_a_clear_error(
    operator_client, oauth_port
):
    operator_client.post(
        "/api/v1/ports",
        json={"name": "plain", "connector": "http_api",
              "config": {"base_url": "https://api.example.com"}},
    )  # fmt: skip
    plain = operator_client.post("/api/v1/ports/plain/oauth/connect")
    assert plain.status_code == 400
    assert plain.json()["detail"] == "connector 'http_api' does not use OAuth"
    operator_client.delete(f"/api/v1/ports/{PORT}/secrets/client_id")
    no_client = operator_client.post(f"/api/v1/ports/{PORT}/oauth/connect")
    assert no_client.status_code == 409
    assert no_client.json()["code"] == "port_not_ready"
    assert "set its secret 'client_id'" in no_client.json()["detail"]
    missing = operator_client.get("/api/v1/ports/nope/oauth")
    assert missing.status_code == 404


def test_a_revoked_grant_shows_needs_reconnect_and_reconnecting_restores_the_port(
    harbor_node, operator_client, agent_client, oauth_port, oauth_server
):
    browser_connect(operator_client, oauth_server)
    action = publish_whoami(operator_client)
    ok = agent_client.post("/api/v1/calls", json={"action": action, "arguments": {}})
    assert ok.status_code == 200
    assert ok.json()["result"]["user"] == "ada"

    oauth_server.revoke_everything()
    expire_access_token(harbor_node)
    failed = agent_client.post("/api/v1/calls", json={"action": action, "arguments": {}})
    assert failed.status_code == 502
    assert failed.json()["code"] == "upstream_failed"
    assert "reconnect the port" in failed.json()["detail"]
    assert operator_client.get(f"/api/v1/ports/{PORT}").json()["status"] == "needs_reconnect"
    fast = agent_client.post("/api/v1/calls", json={"action": action, "arguments": {}})
    assert fast.status_code == 409
    assert fast.json()["code"] == "port_not_ready"

    assert browser_connect(operator_client, oauth_server).status_code == 200
    again = agent_client.post("/api/v1/calls", json={"action": action, "arguments": {}})
    assert again.status_code == 200
    assert again.json()["status"] == "succeeded"


def test_disconnect_revokes_and_forgets_the_tokens(operator_client, oauth_port, oauth_server):
    browser_connect(operator_client, oauth_server)
    done = operator_client.post(f"/api/v1/ports/{PORT}/oauth/disconnect")
    assert done.status_code == 200
    assert done.json() == {"port": PORT, "revoked_at_provider": True,
                           "message": "revoked at the provider"}  # fmt: skip
    status = operator_client.get(f"/api/v1/ports/{PORT}/oauth").json()
    assert status["connected"] is False
    assert operator_client.get(f"/api/v1/ports/{PORT}").json()["status"] == "needs_reconnect"


def test_token_values_never_appear_in_responses_audit_events_logs_or_errors(
    harbor_node, operator_client, agent_client, oauth_port, oauth_server, caplog
):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def keep(response: Any) -> Any:
        seen.append(response.text)
        return response

    keep(browser_connect(operator_client, oauth_server))
    action = publish_whoami(operator_client)
    keep(agent_client.post("/api/v1/calls", json={"action": action, "arguments": {}}))
    expire_access_token(harbor_node)  # a refresh happens
    keep(agent_client.post("/api/v1/calls", json={"action": action, "arguments": {}}))
    oauth_server.revoke_everything()
    expire_access_token(harbor_node)  # the refresh fails: an error message is written
    keep(agent_client.post("/api/v1/calls", json={"action": action, "arguments": {}}))
    for path in (
        "/api/v1/ports", f"/api/v1/ports/{PORT}", f"/api/v1/ports/{PORT}/oauth",
        "/api/v1/audit?limit=500", "/api/v1/calls", "/api/v1/audit/export",
    ):  # fmt: skip
        keep(operator_client.get(path))
    keep(operator_client.post("/api/v1/packs/export", json={}))
    keep(operator_client.post(f"/api/v1/ports/{PORT}/oauth/disconnect"))

    with harbor_node.store.read_session() as session:
        audit = [json.dumps(e.model_dump(mode="json")) for e in session.exec(select(AuditEvent))]
    files = [
        path.read_bytes().decode("utf-8", "replace")
        for path in harbor_node.settings.data_dir.rglob("*")
        if path.is_file()
    ]
    planted = [t.access_token for t in oauth_server.tokens]
    planted += [str(t.refresh_token) for t in oauth_server.tokens] + [CLIENT_SECRET]
    assert len(oauth_server.tokens) >= 2  # the connect and the refresh
    # The node's logs, and its HTTP clients' (the test server's own authlib/werkzeug logs
    # run in this process too, and naturally mention the tokens they issue).
    logs = [
        f"{r.name} {r.getMessage()}"
        for r in caplog.records
        if not r.name.startswith(("authlib", "werkzeug", "oauth-test-server"))
    ]
    haystacks = {"responses": seen, "audit": audit, "logs": logs, "files": files}
    for where, texts in haystacks.items():
        for text in texts:
            assert ACCESS_PREFIX not in text, where
            assert REFRESH_PREFIX not in text, where
            assert not any(token in text for token in planted), where
