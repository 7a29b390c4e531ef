"""A discord port with notify_approvals posts a message when a call waits for approval."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from harbor_discord.notify import approval_message

from harbor.connector import ApprovalNotice

from .conftest import TOKEN, WEBHOOK_PATH
from .test_discord_calls import PORT, publish_draft


def wait_for_posts(discord, count: int, timeout: float = 10.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(discord.posts) >= count:
            return discord.posts
        time.sleep(0.05)
    raise AssertionError(f"Discord got {len(discord.posts)} messages, not {count}")


def test_an_approval_is_announced_in_the_channel(operator_client, agent_client, discord):
    config = {"username": "Harbor", "notify_approvals": True, "allow_private_hosts": ["127.0.0.1"]}
    created = operator_client.post(
        "/api/v1/ports", json={"name": PORT, "connector": "discord", "config": config}
    )
    assert created.status_code == 201, created.text
    secret = operator_client.put(
        f"/api/v1/ports/{PORT}/secrets/webhook_url", json={"value": discord.webhook_url}
    )
    assert secret.status_code == 200, secret.text
    operator_client.patch("/api/v1/settings", json={"public_url": "https://harbor.lan"})
    drafts = operator_client.post(
        f"/api/v1/ports/{PORT}/templates/apply", json={"names": ["post_message"]}
    )
    publish_draft(operator_client, drafts.json()[0]["id"])

    pending = agent_client.post(
        "/api/v1/calls",
        json={"action": f"{PORT}.post_message", "arguments": {"content": "@everyone deploy"}},
    )
    assert pending.status_code == 202, pending.text
    approval_id = pending.json()["approval_id"]
    [post] = wait_for_posts(discord, 1)
    assert post["path"] == WEBHOOK_PATH
    message = post["json"]
    assert message["allowed_mentions"] == {"parse": []}
    assert message["username"] == "Harbor"
    content = message["content"]
    assert f"`{PORT}.post_message`" in content
    assert "`test-agent`" in content
    assert "@everyone deploy" in content
    assert f"https://harbor.lan/approvals/{approval_id}" in content
    assert TOKEN not in content


def test_the_message_stays_within_discords_limit_and_cannot_break_out_of_code():
    notice = ApprovalNotice(
        approval_id="apr_1",
        call_id="call_1",
        action="alerts.post",
        agent="bot`tick",
        risk="write",
        arguments={},
        summary="`" + "x" * 3000,
        rule=None,
        expires_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        link="/approvals/apr_1",
    )
    message = approval_message(notice, {})
    assert len(message["content"]) <= 2000
    assert message["content"].endswith("/approvals/apr_1")
    assert "`bot'tick`" in message["content"]
    assert message["allowed_mentions"] == {"parse": []}
    assert "username" not in message
