"""A Gmail port end to end on a node: connect in the browser, read, send after approval."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import CLIENT_ID, CLIENT_SECRET, REFRESH, TOKEN, FakeGoogle, Reply

EMPTY = {"type": "object", "properties": {}, "additionalProperties": False}


def gmail_port(client: Any, config: dict[str, Any]) -> None:
    created = client.post(
        "/api/v1/ports", json={"name": "mail", "connector": "gmail", "config": config}
    )
    assert created.status_code == 201, created.text
    for name, value in (("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)):
        assert (
            client.put(f"/api/v1/ports/mail/secrets/{name}", json={"value": value}).status_code
            == 200
        )


def publish_templates(client: Any, *names: str) -> None:
    drafts = client.post("/api/v1/ports/mail/templates/apply", json={"names": list(names)})
    assert drafts.status_code in (200, 201), drafts.text
    for draft in drafts.json():
        assert client.post(f"/api/v1/drafts/{draft['id']}/validate", json={}).status_code == 200
        published = client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"force": True})
        assert published.status_code == 200, published.text


def connect(client: Any) -> dict[str, Any]:
    started = client.post("/api/v1/ports/mail/oauth/connect").json()
    location = httpx.get(started["authorization_url"]).headers["location"]
    page = client.get(location)
    assert page.status_code == 200, page.text
    return started


def test_connect_list_unread_and_send_after_approval(
    operator_client, agent_client, google: FakeGoogle, config
):
    gmail_port(operator_client, config)
    publish_templates(operator_client, "list_unread", "send_message")
    started = connect(operator_client)
    assert sorted(started["scopes"]) == [
        "https://www.googleapis.com/auth/gmail.readonly",
        "https://www.googleapis.com/auth/gmail.send",
    ]
    exchange = google.token_requests[0]
    assert exchange["grant_type"] == "authorization_code"
    assert len(exchange["code_verifier"]) >= 43
    assert operator_client.get("/api/v1/ports/mail").json()["status"] == "ready"

    listing = {"messages": [{"id": "18c2a", "threadId": "18c20"}], "resultSizeEstimate": 1}
    google.route("GET", "/gmail/v1/users/me/messages", Reply(200, listing))
    unread = agent_client.post(
        "/api/v1/calls", json={"action": "mail.list_unread", "arguments": {}}
    )
    assert unread.status_code == 200, unread.text
    assert unread.json()["result"]["messages"] == [{"id": "18c2a", "thread_id": "18c20"}]
    assert google.api_requests()[-1]["query_all"]["q"] == ["is:unread in:inbox"]

    sent = {"id": "18c2b", "threadId": "18c2b", "labelIds": ["SENT"]}
    google.route("POST", "/gmail/v1/users/me/messages/send", Reply(200, sent))
    arguments = {"to": ["grace@example.com"], "subject": "Paid", "body": "Done."}
    pending = agent_client.post(
        "/api/v1/calls", json={"action": "mail.send_message", "arguments": arguments}
    )
    assert pending.status_code == 202, pending.text
    assert not any(r["path"].endswith("/send") for r in google.requests)
    approval = pending.json()["approval_id"]
    assert operator_client.post(f"/api/v1/approvals/{approval}/approve", json={}).status_code == 200
    done = agent_client.get(f"/api/v1/calls/{pending.json()['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded", done
    [send] = [r for r in google.requests if r["path"].endswith("/send")]
    assert send["headers"]["authorization"] == f"Bearer {TOKEN}"


def test_access_revoked_at_google_shows_needs_reconnect_and_reconnecting_restores(
    operator_client, agent_client, google: FakeGoogle, config
):
    gmail_port(operator_client, config)
    publish_templates(operator_client, "list_labels")
    connect(operator_client)
    google.valid_token = "revoked-everything"
    failed = agent_client.post(
        "/api/v1/calls", json={"action": "mail.list_labels", "arguments": {}}
    )
    assert failed.status_code == 502
    assert operator_client.get("/api/v1/ports/mail").json()["status"] == "needs_reconnect"
    google.valid_token = TOKEN
    google.route("GET", "/gmail/v1/users/me/labels", Reply(200, {"labels": []}))
    connect(operator_client)
    again = agent_client.post("/api/v1/calls", json={"action": "mail.list_labels", "arguments": {}})
    assert again.status_code == 200, again.text
    disconnected = operator_client.post("/api/v1/ports/mail/oauth/disconnect").json()
    assert disconnected["revoked_at_provider"] is True
    revoke = [r for r in google.requests if r["path"] == "/revoke"][-1]
    assert f"token={REFRESH.replace('/', '%2F')}".encode() in revoke["body"]
