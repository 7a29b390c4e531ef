"""send_message and check against a fake webhook: payload, limits, rate limits, errors."""

from __future__ import annotations

import time
from typing import Any

import pytest
from harbor_discord import DiscordConnector
from harbor_discord.api import MAX_WAIT_SECONDS

from harbor.connector import AuthFailed, ConnectorError, InvalidDefinition, RetryableError

from .conftest import CHANNEL_ID, GUILD_ID, TOKEN, WEBHOOK_ID, WEBHOOK_PATH


def assert_no_credential(text: str, url: str) -> None:
    assert TOKEN not in text
    assert url not in text
    assert WEBHOOK_PATH not in text


def test_a_message_is_posted_with_wait_and_no_mentions_by_default(runner, discord):
    result = runner.send({"content": "deploy done @everyone"})
    assert result == {
        "message_id": "1001",
        "channel_id": CHANNEL_ID,
        "timestamp": "2026-11-23T10:00:00+00:00",
    }
    [seen] = discord.requests
    assert seen["method"] == "POST"
    assert seen["path"] == WEBHOOK_PATH
    assert seen["query"] == {"wait": "true"}
    assert seen["json"] == {"content": "deploy done @everyone", "allowed_mentions": {"parse": []}}


def test_the_definition_may_allow_mentions_and_set_defaults(runner, discord):
    definition = {
        "username": "Release bot",
        "avatar_url": "https://example.com/bot.png",
        "allow_mentions": ["everyone", "users"],
        "embeds": [{"title": "default"}],
    }
    runner.send({"content": "hi"}, definition=definition, config={"username": "Port name"})
    sent = discord.posts[0]["json"]
    assert sent["username"] == "Release bot"
    assert sent["avatar_url"] == "https://example.com/bot.png"
    assert sent["embeds"] == [{"title": "default"}]
    assert sent["allowed_mentions"] == {"parse": ["users", "everyone"]}


def test_arguments_win_over_the_definition_and_the_port(runner, discord):
    runner.send(
        {"content": "x", "username": "Agent said"},
        definition={"username": "Definition"},
        config={"username": "Port", "avatar_url": "https://example.com/port.png"},
    )
    sent = discord.posts[0]["json"]
    assert sent["username"] == "Agent said"
    assert sent["avatar_url"] == "https://example.com/port.png"


def test_embeds_alone_are_a_message(runner, discord):
    embed = {"title": "t", "description": "d", "fields": [{"name": "n", "value": "v"}]}
    runner.send({"embeds": [embed]})
    assert discord.posts[0]["json"] == {"embeds": [embed], "allowed_mentions": {"parse": []}}


def embed_with(**parts: Any) -> dict[str, Any]:
    return {"title": "ok", **parts}


TOO_BIG: list[tuple[dict[str, Any], str]] = [
    ({"content": "x" * 2001}, "content has 2001 characters"),
    ({}, "needs content or at least one embed"),
    ({"content": "   "}, "needs content or at least one embed"),
    ({"embeds": [embed_with() for _ in range(11)]}, "11 embeds"),
    ({"embeds": [{"title": "t" * 257}]}, "embeds[0].title"),
    ({"embeds": [{"description": "d" * 4097}]}, "embeds[0].description"),
    (
        {"embeds": [embed_with(fields=[{"name": "n", "value": "v"}] * 26)]},
        "26 fields",
    ),
    ({"embeds": [embed_with(fields=[{"name": "n" * 257, "value": "v"}])]}, "fields[0].name"),
    ({"embeds": [embed_with(fields=[{"name": "n", "value": "v" * 1025}])]}, "fields[0].value"),
    ({"embeds": [embed_with(footer={"text": "f" * 2049})]}, "footer.text"),
    ({"embeds": [embed_with(author={"name": "a" * 257})]}, "author.name"),
    (
        {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
        "6001 characters in all",
    ),
    ({"content": "x", "username": "u" * 81}, "username"),
    ({"embeds": ["not an object"]}, "embeds[0] must be an object"),
]


@pytest.mark.parametrize(("arguments", "reason"), TOO_BIG)
def test_a_message_over_a_discord_limit_is_refused_and_nothing_is_sent(
    runner, discord, arguments, reason
):
    with pytest.raises(ConnectorError) as caught:
        runner.send(arguments)
    assert not isinstance(caught.value, RetryableError)
    assert reason in caught.value.message
    assert discord.requests == []


def test_messages_at_the_limits_are_sent(runner, discord):
    embeds = [
        {
            "title": "t" * 256,
            "description": "d" * 2000,
            "fields": [{"name": "n" * 10, "value": "v" * 10}] * 25,
        },
        {"description": "d" * (6000 - 256 - 2000 - 25 * 20)},
    ]
    runner.send({"content": "x" * 2000, "embeds": embeds})
    assert len(discord.posts) == 1


def test_a_429_is_retryable_with_retry_after_from_the_body(runner, discord):
    discord.queue_reply(
        429,
        {"message": "You are being rate limited.", "retry_after": 1.25, "global": False},
        {"Retry-After": "2", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "1.25"},
    )
    with pytest.raises(RetryableError) as caught:
        runner.send({"content": "hi"})
    assert caught.value.retry_after == 1.25
    assert caught.value.retry_safe is True
    assert caught.value.status == 429
    assert_no_credential(caught.value.message, discord.webhook_url)


def test_a_429_without_a_json_body_uses_the_retry_after_header(runner, discord):
    discord.queue_reply(429, b"slow down", {"Retry-After": "7"})
    with pytest.raises(RetryableError) as caught:
        runner.send({"content": "hi"})
    assert caught.value.retry_after == 7.0
    assert caught.value.retry_safe is True


def test_a_429_blocks_the_next_message_on_the_same_webhook_without_sending(runner, discord):
    discord.queue_reply(429, {"message": "rate limited", "retry_after": 30})
    with pytest.raises(RetryableError):
        runner.send({"content": "first"})
    with pytest.raises(RetryableError) as caught:
        runner.send({"content": "second"})
    assert 25 < caught.value.retry_after <= 30
    assert caught.value.retry_safe is True
    assert len(discord.requests) == 1


def test_an_exhausted_bucket_is_waited_for_before_the_next_message(runner, discord):
    discord.headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "0.4"}
    runner.send({"content": "first"})
    discord.headers = {}
    started = time.monotonic()
    runner.send({"content": "second"})
    assert time.monotonic() - started >= 0.3
    assert len(discord.posts) == 2


def test_a_long_reset_is_not_waited_for_and_nothing_is_sent(runner, discord):
    reset = MAX_WAIT_SECONDS + 20
    discord.headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": str(reset)}
    runner.send({"content": "first"})
    started = time.monotonic()
    with pytest.raises(RetryableError) as caught:
        runner.send({"content": "second"})
    assert time.monotonic() - started < 1
    assert caught.value.retry_safe is True
    assert reset - 2 < caught.value.retry_after <= reset
    assert len(discord.posts) == 1


def test_remaining_above_zero_does_not_wait(runner, discord):
    discord.headers = {"X-RateLimit-Remaining": "3", "X-RateLimit-Reset-After": "30"}
    runner.send({"content": "first"})
    started = time.monotonic()
    runner.send({"content": "second"})
    assert time.monotonic() - started < 1


def test_the_back_off_is_per_webhook(runner, discord):
    discord.headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "60"}
    runner.send({"content": "first"})
    other = discord.base + f"/api/webhooks/{WEBHOOK_ID}/other-token-abcdef"
    discord.queue_reply(200, {"id": "5", "channel_id": CHANNEL_ID})
    assert runner.send({"content": "x"}, secrets={"webhook_url": other})["message_id"] == "5"


@pytest.mark.parametrize("status", [401, 404])
def test_401_and_404_mean_the_webhook_is_gone(runner, discord, status):
    discord.queue_reply(status, {"message": f"Unknown Webhook {TOKEN}", "code": 10015})
    with pytest.raises(AuthFailed) as caught:
        runner.send({"content": "hi"})
    assert caught.value.status == status
    assert "Unknown Webhook" in caught.value.message
    assert_no_credential(caught.value.message, discord.webhook_url)


def test_another_4xx_is_a_connector_error_with_discords_message(runner, discord):
    discord.queue_reply(400, {"message": "Invalid Form Body", "code": 50035})
    with pytest.raises(ConnectorError) as caught:
        runner.send({"content": "hi"})
    assert type(caught.value) is ConnectorError
    assert caught.value.status == 400
    assert "Invalid Form Body" in caught.value.message
    assert "50035" in caught.value.message
    assert_no_credential(caught.value.message, discord.webhook_url)


def test_a_5xx_is_retryable(runner, discord):
    discord.queue_reply(502, b"<html>bad gateway</html>")
    with pytest.raises(RetryableError) as caught:
        runner.send({"content": "hi"})
    assert caught.value.status == 502
    assert caught.value.retry_safe is False
    assert_no_credential(caught.value.message, discord.webhook_url)


def test_a_refused_connection_is_retryable_and_names_no_url(runner, discord):
    url = discord.webhook_url
    discord.close()
    with pytest.raises(RetryableError) as caught:
        runner.send({"content": "hi"}, secrets={"webhook_url": url})
    assert_no_credential(caught.value.message, url)


def test_a_timeout_is_retryable_and_marked(runner, discord, monkeypatch):
    import harbor_discord.api as api

    monkeypatch.setattr(api, "REQUEST_TIMEOUT_SECONDS", 0.2)
    original = discord.server.RequestHandlerClass._handle

    def slow(handler: Any) -> None:
        time.sleep(0.6)
        original(handler)

    monkeypatch.setattr(discord.server.RequestHandlerClass, "do_POST", slow)
    with pytest.raises(RetryableError) as caught:
        runner.send({"content": "hi"})
    assert caught.value.timeout is True
    assert_no_credential(caught.value.message, discord.webhook_url)


def test_a_missing_webhook_url_is_named(runner, discord):
    with pytest.raises(ConnectorError, match="webhook_url"):
        runner.send({"content": "hi"}, secrets={})
    assert discord.requests == []


def test_check_describes_the_webhook_without_its_token(runner, discord):
    result = runner.check()
    assert result.ok
    assert "Harbor alerts" in result.message
    assert CHANNEL_ID in result.message
    assert GUILD_ID in result.message
    assert TOKEN not in result.message
    assert discord.requests[0]["method"] == "GET"
    assert discord.requests[0]["query"] == {}


@pytest.mark.parametrize("status", [401, 404])
def test_check_raises_auth_failed_for_a_gone_webhook(runner, discord, status):
    discord.queue_reply(status, {"message": "Unknown Webhook", "code": 10015})
    with pytest.raises(AuthFailed) as caught:
        runner.check()
    assert_no_credential(caught.value.message, discord.webhook_url)


def test_check_reports_other_failures_without_raising(runner, discord):
    discord.queue_reply(500, b"")
    result = runner.check()
    assert not result.ok
    assert "500" in result.message


def test_definitions_are_checked_against_the_limits():
    connector = DiscordConnector()
    connector.validate_definition("send_message", {"embeds": [{"title": "ok"}]})
    with pytest.raises(InvalidDefinition, match="title"):
        connector.validate_definition("send_message", {"embeds": [{"title": "t" * 300}]})
    with pytest.raises(InvalidDefinition):
        connector.validate_definition("other", {})
