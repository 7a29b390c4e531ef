"""End to end over the API: a discord port, its webhook secret, an approved agent call."""

from __future__ import annotations

from typing import Any

from .conftest import CHANNEL_ID, TOKEN, WEBHOOK_PATH

PORT = "alerts"
INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"content": {"type": "string", "minLength": 1, "maxLength": 2000}},
    "required": ["content"],
    "additionalProperties": False,
}


def make_port(client: Any, webhook_url: str) -> None:
    """Port ``alerts`` that may reach the fake on 127.0.0.1, with its webhook URL set."""
    config = {"username": "Harbor", "allow_private_hosts": ["127.0.0.1"]}
    created = client.post(
        "/api/v1/ports", json={"name": PORT, "connector": "discord", "config": config}
    )
    assert created.status_code == 201, created.text
    secret = client.put(f"/api/v1/ports/{PORT}/secrets/webhook_url", json={"value": webhook_url})
    assert secret.status_code == 200, secret.text
    assert TOKEN not in secret.text


def publish_draft(client: Any, draft_id: str) -> None:
    validated = client.post(f"/api/v1/drafts/{draft_id}/validate", json={})
    assert validated.status_code == 200, validated.text
    assert validated.json()["status"] == "validated", validated.text
    published = client.post(f"/api/v1/drafts/{draft_id}/publish", json={"force": True})
    assert published.status_code == 200, published.text


def approve_and_wait(operator: Any, agent: Any, pending: Any) -> dict[str, Any]:
    assert pending.status_code == 202, pending.text
    approval_id = pending.json()["approval_id"]
    approved = operator.post(f"/api/v1/approvals/{approval_id}/approve", json={})
    assert approved.status_code == 200, approved.text
    done: dict[str, Any] = agent.get(
        f"/api/v1/calls/{pending.json()['id']}", params={"wait": 10}
    ).json()
    return done


def test_an_approved_agent_call_posts_exactly_one_message(operator_client, agent_client, discord):
    make_port(operator_client, discord.webhook_url)
    draft = operator_client.post(
        f"/api/v1/ports/{PORT}/drafts",
        json={
            "action": "notify",
            "kind": "send_message",
            "description": "Tell the on-call channel something",
            "risk": "write",
            "input_schema": INPUT_SCHEMA,
            "definition": {},
        },
    )
    assert draft.status_code == 201, draft.text
    publish_draft(operator_client, draft.json()["id"])

    pending = agent_client.post(
        "/api/v1/calls",
        json={"action": f"{PORT}.notify", "arguments": {"content": "disk full @everyone"}},
    )
    assert discord.requests == []
    done = approve_and_wait(operator_client, agent_client, pending)
    assert done["status"] == "succeeded", done
    assert done["result"]["channel_id"] == CHANNEL_ID
    assert done["result"]["message_id"]
    [post] = discord.posts
    assert post["path"] == WEBHOOK_PATH
    assert post["json"] == {
        "content": "disk full @everyone",
        "username": "Harbor",
        "allowed_mentions": {"parse": []},
    }
    assert TOKEN not in str(done)


def test_the_post_message_template_publishes_and_sends(operator_client, agent_client, discord):
    make_port(operator_client, discord.webhook_url)
    drafts = operator_client.post(
        f"/api/v1/ports/{PORT}/templates/apply", json={"names": ["post_message"]}
    )
    assert drafts.status_code == 201, drafts.text
    publish_draft(operator_client, drafts.json()[0]["id"])
    embed = {"title": "Deploy", "fields": [{"name": "env", "value": "prod"}]}
    pending = agent_client.post(
        "/api/v1/calls",
        json={"action": f"{PORT}.post_message", "arguments": {"embeds": [embed]}},
    )
    done = approve_and_wait(operator_client, agent_client, pending)
    assert done["status"] == "succeeded", done
    assert [p["json"]["embeds"] for p in discord.posts] == [[embed]]


def test_a_message_over_the_limit_fails_the_call_without_sending(
    operator_client, agent_client, discord
):
    make_port(operator_client, discord.webhook_url)
    draft = operator_client.post(
        f"/api/v1/ports/{PORT}/drafts",
        json={
            "action": "notify",
            "kind": "send_message",
            "description": "Tell the channel",
            "risk": "write",
            "input_schema": {"type": "object"},
            "definition": {},
        },
    )
    publish_draft(operator_client, draft.json()["id"])
    pending = agent_client.post(
        "/api/v1/calls",
        json={"action": f"{PORT}.notify", "arguments": {"content": "x" * 2001}},
    )
    done = approve_and_wait(operator_client, agent_client, pending)
    assert done["status"] == "failed", done
    assert "2000" in str(done)
    assert discord.requests == []


def test_the_port_check_reads_the_webhook_and_a_gone_webhook_needs_reconnect(
    operator_client, discord
):
    make_port(operator_client, discord.webhook_url)
    checked = operator_client.post(f"/api/v1/ports/{PORT}/check", json={})
    assert checked.status_code == 200, checked.text
    assert checked.json()["last_check"]["ok"] is True
    assert TOKEN not in checked.text
    discord.queue_reply(404, {"message": "Unknown Webhook", "code": 10015})
    checked = operator_client.post(f"/api/v1/ports/{PORT}/check", json={})
    assert checked.json()["status"] == "needs_reconnect", checked.text
    assert TOKEN not in checked.text
