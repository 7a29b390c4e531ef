"""Building blocks for the inbound event tests: a connector that receives signed events."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import pytest

from harbor.connector import CallContext, Connector, ConnectorError, InboundEvent, hookimpl

HOOK_KEY = "hook-key-PLANTED-7d1e"


def sign(body: bytes, key: str = HOOK_KEY) -> str:
    """The signature the ``signed`` connector expects: hex HMAC-SHA256 of the body."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def delivery(event_id: str, payload: dict[str, Any], key: str = HOOK_KEY) -> dict[str, Any]:
    """Keyword arguments for ``client.post``: a body and its signed headers."""
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "webhook-id": event_id,
        "X-Signature": sign(body, key),
    }
    return {"content": body, "headers": headers}


class SignedConnector(Connector):
    """Receives events signed with the port's ``key`` (no outgoing actions)."""

    type = "signed"
    title = "Signed events"
    config_schema = {
        "type": "object",
        "properties": {"key": {"type": "string", "writeOnly": True}},
        "required": ["key"],
        "additionalProperties": False,
    }
    fail_with: Exception | None = None
    """When set, verify_inbound raises it (a connector's bug)."""

    def verify_inbound(
        self, ctx: CallContext, headers: Mapping[str, str], body: bytes
    ) -> InboundEvent:
        if self.fail_with is not None:
            raise self.fail_with
        offered = headers.get("x-signature", "")
        if not hmac.compare_digest(offered, sign(body, ctx.secrets["key"])):
            raise ConnectorError("the signature does not match the body")
        return InboundEvent(id=headers.get("webhook-id", ""), payload=json.loads(body))


class SignedPlugin:
    """Registers SignedConnector."""

    @hookimpl
    def harbor_register_connectors(self, register: Any) -> None:
        register(SignedConnector)


@pytest.fixture
def signed_connector(register_plugin: Any) -> type[SignedConnector]:
    """The ``signed`` connector registered on the test node."""
    register_plugin(SignedPlugin(), name="signed-plugin")
    SignedConnector.fail_with = None
    return SignedConnector


def make_receiving_port(client: Any, name: str = "inbox") -> str:
    """A ``signed`` port with its key set."""
    created = client.post("/api/v1/ports", json={"name": name, "connector": "signed", "config": {}})
    assert created.status_code == 201, created.text
    secret = client.put(f"/api/v1/ports/{name}/secrets/key", json={"value": HOOK_KEY})
    assert secret.status_code == 200, secret.text
    return name
