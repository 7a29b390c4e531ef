"""End to end over the API: a webhook port notifies approvals and delivers approved calls."""

from __future__ import annotations

import json
from typing import Any

from standardwebhooks import Webhook

from .conftest import INBOUND_SECRET, SIGNING_SECRET, URL_TOKEN

PORT = "alerts-hook"
SECRET_PIN = "PLANTED-pin-0042"


def make_port(client: Any, url: str, notify: bool = True) -> None:
    """A webhook port that may reach 127.0.0.1, with its url and signing secret set."""
    config = {"notify_approvals": notify, "allow_private_hosts": ["127.0.0.1"]}
    created = client.post(
        "/api/v1/ports", json={"name": PORT, "connector": "webhook", "config": config}
    )
    assert created.status_code == 201, created.text
    for name, value in (("url", url), ("signing_secret", SIGNING_SECRET)):
        secret = client.put(f"/api/v1/ports/{PORT}/secrets/{name}", json={"value": value})
        assert secret.status_code == 200, secret.text
    assert created.json()["status"] in ("ready", "needs_secrets")


def publish_notify(client: Any) -> str:
    """Publish the ``notify`` template, with a sensitive field added to its input."""
    drafts = client.post(f"/api/v1/ports/{PORT}/templates/apply", json={"names": ["notify"]})
    assert drafts.status_code == 201, drafts.text
    draft_id = drafts.json()[0]["id"]
    assert client.post(f"/api/v1/drafts/{draft_id}/validate", json={}).status_code == 200
    published = client.post(f"/api/v1/drafts/{draft_id}/publish", json={"force": True})
    assert published.status_code == 200, published.text
    return f"{PORT}.notify"


def test_an_approval_is_announced_signed_and_the_approved_call_is_delivered(
    operator_client, agent_client, receiver
):
    make_port(operator_client, receiver.url)
    action = publish_notify(operator_client)
    pending = agent_client.post(
        "/api/v1/calls",
        json={"action": action, "arguments": {"message": "disk full", "severity": "critical"}},
    )
    assert pending.status_code == 202, pending.text
    approval_id = pending.json()["approval_id"]

    [announcement] = receiver.wait_for_deliveries(1)
    event = Webhook(SIGNING_SECRET).verify(announcement.body, announcement.headers)
    assert event["type"] == "approval.requested"
    data = event["data"]
    assert data["approval_id"] == approval_id
    assert data["call_id"] == pending.json()["id"]
    assert (data["action"], data["agent"], data["risk"]) == (action, "test-agent", "write")
    assert data["arguments"] == {"message": "disk full", "severity": "critical"}
    assert "disk full" in data["summary"]
    assert data["rule"] == "default:write"
    assert data["link"] == f"/approvals/{approval_id}"
    assert data["expires_at"].endswith("Z")

    approved = operator_client.post(f"/api/v1/approvals/{approval_id}/approve", json={})
    assert approved.status_code == 200, approved.text
    done = agent_client.get(f"/api/v1/calls/{pending.json()['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded", done
    delivery = receiver.deliveries[1]
    sent = Webhook(SIGNING_SECRET).verify(delivery.body, delivery.headers)
    assert sent["type"] == "harbor.notification"
    assert sent["data"] == {"message": "disk full", "severity": "critical"}
    assert done["result"]["webhook_id"] == delivery.headers["webhook-id"]
    assert delivery.headers["webhook-id"] != announcement.headers["webhook-id"]
    assert URL_TOKEN not in json.dumps(done)


def test_a_port_without_notify_approvals_stays_quiet(operator_client, agent_client, receiver):
    make_port(operator_client, receiver.url, notify=False)
    action = publish_notify(operator_client)
    pending = agent_client.post(
        "/api/v1/calls", json={"action": action, "arguments": {"message": "hi"}}
    )
    assert pending.status_code == 202, pending.text
    import time

    time.sleep(0.3)
    assert receiver.deliveries == []


def sign_like_the_docs(secret: str, body: bytes) -> dict[str, str]:
    """The stdlib sender of docs/connectors/webhook.md, minus the HTTP request."""
    import base64
    import hashlib
    import hmac
    import time
    import uuid

    msg_id = f"msg_{uuid.uuid4().hex}"
    timestamp = str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


def test_a_port_receives_signed_events_and_refuses_forged_and_replayed_ones(
    operator_client, anon_client, agent_client
):
    created = operator_client.post(
        "/api/v1/ports", json={"name": "ci-events", "connector": "webhook", "config": {}}
    )
    assert created.status_code == 201, created.text
    secret = operator_client.put(
        "/api/v1/ports/ci-events/secrets/inbound_secret", json={"value": INBOUND_SECRET}
    )
    assert secret.status_code == 200, secret.text
    body = json.dumps({"type": "build.finished", "data": {"job": 42, "ok": True}}).encode()
    headers = sign_like_the_docs(INBOUND_SECRET, body)

    accepted = anon_client.post("/hooks/ci-events", content=body, headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"id": headers["webhook-id"], "port": "ci-events"}
    replayed = anon_client.post("/hooks/ci-events", content=body, headers=headers)
    assert replayed.status_code == 409
    forged = anon_client.post(
        "/hooks/ci-events", content=body, headers=sign_like_the_docs(SIGNING_SECRET, body)
    )
    assert forged.status_code == 401
    assert forged.json()["code"] == "unauthorized"
    assert INBOUND_SECRET not in forged.text

    page = agent_client.get("/api/v1/ports/ci-events/events")
    assert page.status_code == 200, page.text
    [event] = page.json()["events"]
    assert event["type"] == "build.finished"
    assert event["payload"]["data"] == {"job": 42, "ok": True}
