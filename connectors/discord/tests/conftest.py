"""Fixtures for the discord tests: a fake Discord webhook on 127.0.0.1 and a runner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from harbor_discord import DiscordConnector

from harbor.connector import CheckResult
from harbor.testkit import ConnectorRunner, RecordedRequest, Reply, Upstream

WEBHOOK_ID = "112233445566778899"
TOKEN = "tok-PLANTED-discord-9f3a_c2b7-XyZ"
WEBHOOK_PATH = f"/api/webhooks/{WEBHOOK_ID}/{TOKEN}"
CHANNEL_ID = "998877665544332211"
GUILD_ID = "555555555555555555"


class FakeDiscord(Upstream):
    """A webhook endpoint that records requests and answers like Discord.

    POST answers 200 with a message object (``?wait=true``), GET the webhook object.
    ``queue_reply`` sets answers for the next requests, in order; ``headers`` adds headers to
    every default answer (rate-limit headers).
    """

    def __init__(self) -> None:
        super().__init__()
        self.headers: dict[str, str] = {}
        self.base = self.url
        self.webhook_url = self.url + WEBHOOK_PATH

    def fallback(self, request: RecordedRequest) -> Reply:
        if request["path"] != WEBHOOK_PATH:
            return Reply(404, {"message": "Unknown Webhook", "code": 10015})
        if request["method"] == "GET":
            body = {
                "id": WEBHOOK_ID,
                "type": 1,
                "name": "Harbor alerts",
                "channel_id": CHANNEL_ID,
                "guild_id": GUILD_ID,
                "token": TOKEN,
            }
        else:
            body = {
                "id": str(1000 + len(self.requests)),
                "channel_id": CHANNEL_ID,
                "timestamp": "2026-11-23T10:00:00+00:00",
                "content": (request["json"] or {}).get("content", ""),
                "webhook_id": WEBHOOK_ID,
            }
        return Reply(200, body, dict(self.headers))

    def queue_reply(
        self, status: int, body: Any = b"", headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next request with ``status`` and ``body`` (JSON unless bytes)."""
        self.queue(Reply(status, body, {"Content-Type": "application/json", **(headers or {})}))

    @property
    def posts(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r["method"] == "POST"]


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    """A fake Discord webhook endpoint on 127.0.0.1."""
    with FakeDiscord() as fake:
        yield fake


LOCAL_CONFIG: dict[str, Any] = {"allow_private_hosts": ["127.0.0.1"]}


class Runner:
    """Drives one connector instance through the core's guarded client and port policy."""

    def __init__(self, webhook_url: str) -> None:
        self.kit = ConnectorRunner(
            DiscordConnector(),
            port="alerts",
            base_config=LOCAL_CONFIG,
            base_secrets={"webhook_url": webhook_url},
        )
        self.connector = self.kit.connector

    def send(
        self,
        arguments: dict[str, Any],
        definition: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
    ) -> Any:
        """Run one ``send_message`` action (raises what the connector raises)."""
        return self.kit.execute(
            "send_message", arguments, definition, config=config, secrets=secrets
        )

    def check(self, secrets: dict[str, str] | None = None) -> CheckResult:
        """Run the connection test."""
        return self.kit.check(kind="send_message", secrets=secrets)


@pytest.fixture
def runner(discord: FakeDiscord) -> Runner:
    """Runs a fresh connector instance against the fake webhook."""
    return Runner(discord.webhook_url)
