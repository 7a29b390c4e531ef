"""Fixtures for the discord tests: a fake Discord webhook on 127.0.0.1 and a runner."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from harbor_discord import DiscordConnector

from harbor.connector import CallContext, CheckResult

WEBHOOK_ID = "112233445566778899"
TOKEN = "tok-PLANTED-discord-9f3a_c2b7-XyZ"
WEBHOOK_PATH = f"/api/webhooks/{WEBHOOK_ID}/{TOKEN}"
CHANNEL_ID = "998877665544332211"
GUILD_ID = "555555555555555555"


@dataclass
class Reply:
    """A canned answer for the next request(s)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class FakeDiscord:
    """A webhook endpoint that records requests and answers like Discord.

    POST answers 200 with a message object (``?wait=true``), GET the webhook object.
    ``queue`` sets answers for the next requests, in order; ``headers`` adds headers to
    every default answer (rate-limit headers).
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queued: list[Reply] = []
        self.headers: dict[str, str] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                fake.requests.append(
                    {
                        "method": self.command,
                        "path": split.path,
                        "query": dict(parse_qsl(split.query)),
                        "json": json.loads(raw) if raw else None,
                    }
                )
                if fake.queued:
                    reply = fake.queued.pop(0)
                    self._send(reply.status, reply.body, reply.headers)
                    return
                if split.path != WEBHOOK_PATH:
                    self._send(404, b'{"message": "Unknown Webhook", "code": 10015}', {})
                    return
                if self.command == "GET":
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
                        "id": str(1000 + len(fake.requests)),
                        "channel_id": CHANNEL_ID,
                        "timestamp": "2026-11-23T10:00:00+00:00",
                        "content": (json.loads(raw) or {}).get("content", ""),
                        "webhook_id": WEBHOOK_ID,
                    }
                self._send(200, json.dumps(body).encode(), dict(fake.headers))

            do_GET = do_POST = _handle  # noqa: N815

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.webhook_url = self.base + WEBHOOK_PATH
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def queue(self, status: int, body: Any = b"", headers: dict[str, str] | None = None) -> None:
        """Answer the next request with ``status`` and ``body`` (JSON unless bytes)."""
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.queued.append(Reply(status, body, dict(headers or {})))

    @property
    def posts(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    """A fake Discord webhook endpoint on 127.0.0.1."""
    fake = FakeDiscord()
    yield fake
    fake.close()


LOCAL_CONFIG: dict[str, Any] = {"allow_private_hosts": ["127.0.0.1"]}


class Runner:
    """Drives one connector instance through the node's guarded client and port policy."""

    def __init__(self, node: Any, webhook_url: str) -> None:
        self.node = node
        self.webhook_url = webhook_url
        self.connector = DiscordConnector()

    async def _with_ctx(self, config: dict[str, Any], secrets: dict[str, str], use: Any) -> Any:
        from harbor.runtime.outbound import OutboundPolicy, client_for

        policy = OutboundPolicy.from_config(config)
        async with client_for(self.node.outbound(), policy) as http:
            ctx = CallContext(
                port="alerts", config=config, secrets=secrets, http=http, kind="send_message"
            )
            return await use(ctx)

    def _secrets(self, secrets: dict[str, str] | None) -> dict[str, str]:
        return {"webhook_url": self.webhook_url} if secrets is None else secrets

    def send(
        self,
        arguments: dict[str, Any],
        definition: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
    ) -> Any:
        """Run one ``send_message`` action (raises what the connector raises)."""

        async def use(ctx: CallContext) -> Any:
            return await self.connector.execute(ctx, definition or {}, arguments)

        config = {**LOCAL_CONFIG, **(config or {})}
        return asyncio.run(self._with_ctx(config, self._secrets(secrets), use))

    def check(self, secrets: dict[str, str] | None = None) -> CheckResult:
        """Run the connection test."""

        async def use(ctx: CallContext) -> CheckResult:
            return await self.connector.check(ctx)

        result: CheckResult = asyncio.run(
            self._with_ctx(dict(LOCAL_CONFIG), self._secrets(secrets), use)
        )
        return result


@pytest.fixture
def runner(harbor_node: Any, discord: FakeDiscord) -> Runner:
    """Runs a fresh connector instance against the fake webhook."""
    return Runner(harbor_node, discord.webhook_url)
