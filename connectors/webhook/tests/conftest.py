"""Fixtures for the webhook tests: a receiver on 127.0.0.1 and a runner for the connector."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from harbor_webhook import WebhookConnector

from harbor.connector import CallContext

SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
INBOUND_SECRET = "whsec_c2VjcmV0LWZvci1pbmJvdW5kLWV2ZW50cy0xMjM0NTY="
URL_TOKEN = "tok-PLANTED-webhook-51c0"
HOOK_PATH = f"/hooks/{URL_TOKEN}"


@dataclass
class Reply:
    """A canned answer for the next request."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Delivery:
    """One request the receiver got: the raw body exactly as sent, and its headers."""

    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook receiver that records every delivery and answers 200 ``{"ok": true}``.

    ``queue`` sets answers for the next deliveries, in order; ``delay`` makes it slow.
    """

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.queued: list[Reply] = []
        self.delay = 0.0
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if receiver.delay:
                    time.sleep(receiver.delay)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.arrived:
                    receiver.deliveries.append(Delivery(self.path, headers, body))
                    reply = receiver.queued.pop(0) if receiver.queued else None
                    receiver.arrived.notify_all()
                reply = reply or Reply(200, b'{"ok": true}', {"Content-Type": "application/json"})
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = self.base + HOOK_PATH
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def queue(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """Answer the next delivery with ``status`` and ``body``."""
        self.queued.append(Reply(status, body, dict(headers or {})))

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until ``count`` deliveries arrived (fails the test after ``timeout``)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.deliveries) >= count, timeout):
                pytest.fail(f"the receiver got {len(self.deliveries)} deliveries, not {count}")
        return list(self.deliveries)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1."""
    server = Receiver()
    yield server
    server.close()


LOCAL_CONFIG: dict[str, Any] = {"allow_private_hosts": ["127.0.0.1"]}


class Runner:
    """Drives one connector instance through the node's guarded client and port policy."""

    def __init__(self, node: Any, url: str) -> None:
        self.node = node
        self.url = url
        self.connector = WebhookConnector()

    def run(
        self,
        use: Callable[[CallContext], Any],
        *,
        config: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        call_id: str | None = "call_0123456789abcdef01234567",
    ) -> Any:
        """Run ``use(ctx)`` (a coroutine function) with a context like the core builds."""
        from harbor.runtime.outbound import OutboundPolicy, client_for

        config = {**LOCAL_CONFIG, **(config or {})}
        secrets = {"url": self.url} if secrets is None else secrets

        async def main() -> Any:
            async with client_for(self.node.outbound(), OutboundPolicy.from_config(config)) as http:
                ctx = CallContext(
                    port="events",
                    config=config,
                    secrets=secrets,
                    http=http,
                    kind="send_event",
                    action="events.notify",
                    call_id=call_id,
                )
                return await use(ctx)

        return asyncio.run(main())

    def send(
        self,
        arguments: dict[str, Any],
        definition: dict[str, Any] | None = None,
        **options: Any,
    ) -> Any:
        """Run one ``send_event`` action (raises what the connector raises)."""
        definition = {"event_type": "test.event"} if definition is None else definition
        return self.run(lambda ctx: self.connector.execute(ctx, definition, arguments), **options)


@pytest.fixture
def runner(harbor_node: Any, receiver: Receiver) -> Runner:
    """Runs a fresh connector instance against the receiver."""
    return Runner(harbor_node, receiver.url)
