"""verify_inbound: deliveries signed with the port's inbound secret, within five minutes."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from harbor_webhook import WebhookConnector
from standardwebhooks import Webhook

from harbor.connector import CallContext, ConnectorError, InboundEvent

from .conftest import INBOUND_SECRET


def context(secrets: dict[str, str]) -> CallContext:
    return CallContext(port="events", config={}, secrets=secrets, http=None)  # type: ignore[arg-type]


def signed(payload: Any, msg_id: str = "msg_1", at: float | None = None) -> tuple[dict, bytes]:
    """Headers and body signed by the reference library, as a sender would."""
    body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    moment = datetime.fromtimestamp(at if at is not None else time.time(), UTC)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(INBOUND_SECRET).sign(msg_id, moment, body.decode()),
    }
    return headers, body


def verify(headers: dict, body: bytes, secrets: dict[str, str] | None = None) -> InboundEvent:
    secrets = {"inbound_secret": INBOUND_SECRET} if secrets is None else secrets
    return WebhookConnector().verify_inbound(context(secrets), headers, body)


def test_a_delivery_signed_by_the_reference_library_is_accepted():
    headers, body = signed({"type": "order.paid", "data": {"id": 7}}, "msg_order_7")
    assert verify(headers, body) == InboundEvent(
        id="msg_order_7", payload={"type": "order.paid", "data": {"id": 7}}
    )


def test_a_delivery_signed_with_another_secret_is_refused():
    headers, body = signed({"a": 1})
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    with pytest.raises(ConnectorError, match="no v1 signature"):
        verify(headers, body, {"inbound_secret": other})


def test_a_stale_delivery_is_refused():
    headers, body = signed({"a": 1}, at=time.time() - 301)
    with pytest.raises(ConnectorError, match="too old"):
        verify(headers, body)


def test_a_port_without_an_inbound_secret_accepts_nothing():
    headers, body = signed({"a": 1})
    with pytest.raises(ConnectorError, match="no inbound_secret"):
        verify(headers, body, {"signing_secret": INBOUND_SECRET})


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_signed_body_that_is_not_a_json_object_is_refused(body):
    headers = {
        "webhook-id": "msg_x",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": "",
    }
    from harbor_webhook.signing import secret_key, signature

    headers["webhook-signature"] = signature(
        secret_key(INBOUND_SECRET), "msg_x", int(headers["webhook-timestamp"]), body
    )
    with pytest.raises(ConnectorError, match="JSON"):
        verify(headers, body)
