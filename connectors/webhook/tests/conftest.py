"""Fixtures for the webhook tests: a receiver on 127.0.0.1 and a runner for the connector."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from harbor_webhook import WebhookConnector

from harbor.connector import CallContext
from harbor.testkit import ConnectorRunner, RecordedRequest, Reply, Upstream

SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
INBOUND_SECRET = "whsec_c2VjcmV0LWZvci1pbmJvdW5kLWV2ZW50cy0xMjM0NTY="
URL_TOKEN = "tok-PLANTED-webhook-51c0"
HOOK_PATH = f"/hooks/{URL_TOKEN}"


@dataclass
class Delivery:
    """One request the receiver got: the raw body exactly as sent, and its headers."""

    path: str
    headers: dict[str, str]
    body: bytes


class Receiver(Upstream):
    """A webhook receiver that records every delivery and answers 200 ``{"ok": true}``.

    ``queue_reply`` sets answers for the next deliveries, in order; ``delay`` makes the
    default answer slow.
    """

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.base = self.url
        self.url = self.base + HOOK_PATH

    def fallback(self, request: RecordedRequest) -> Reply:
        return Reply(200, {"ok": True}, delay=self.delay)

    def queue_reply(
        self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next delivery with ``status`` and ``body``."""
        self.queue(Reply(status, body, dict(headers or {})))

    @property
    def deliveries(self) -> list[Delivery]:
        """Every request received so far, in order."""
        return [_delivery(request) for request in self.requests]

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until ``count`` deliveries arrived (fails the test after ``timeout``)."""
        return [_delivery(request) for request in self.wait_for(count, timeout)]


def _delivery(request: RecordedRequest) -> Delivery:
    return Delivery(request["raw_path"], request["headers"], request["body"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1."""
    with Receiver() as server:
        yield server


LOCAL_CONFIG: dict[str, Any] = {"allow_private_hosts": ["127.0.0.1"]}


class Runner:
    """Drives one connector instance through the core's guarded client and port policy."""

    def __init__(self, url: str) -> None:
        self.kit = ConnectorRunner(
            WebhookConnector(), port="events", base_config=LOCAL_CONFIG, base_secrets={"url": url}
        )
        self.connector = self.kit.connector

    def run(
        self,
        use: Callable[[CallContext], Any],
        *,
        config: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        call_id: str | None = "call_0123456789abcdef01234567",
    ) -> Any:
        """Run ``use(ctx)`` (a coroutine function) with a context like the core builds."""
        return self.kit.run(
            use,
            config=config,
            secrets=secrets,
            kind="send_event",
            action="events.notify",
            call_id=call_id,
        )

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
def runner(receiver: Receiver) -> Runner:
    """Runs a fresh connector instance against the receiver."""
    return Runner(receiver.url)
