"""The ``webhook`` connector: signed JSON deliveries to one URL, and signed events received.

A port is one receiving URL (a secret) with an optional Standard Webhooks signing secret.
The action kind ``send_event`` (:mod:`harbor_webhook.actions`) posts a JSON event;
:mod:`harbor_webhook.api` sends it and maps answers; :mod:`harbor_webhook.signing` signs
and verifies. With an ``inbound_secret`` the port also receives events at
``POST /hooks/<port>`` (:meth:`WebhookConnector.verify_inbound`), and with
``notify_approvals`` it posts a signed ``approval.requested`` event for every approval.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from harbor.connector import (
    ApprovalNotice,
    CallContext,
    CheckResult,
    Connector,
    ConnectorError,
    InboundEvent,
    InvalidDefinition,
    JSONSchema,
)
from harbor_webhook import api, signing
from harbor_webhook.actions import SEND_EVENT, SEND_EVENT_KIND, event_body
from harbor_webhook.templates import TEMPLATES

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Standard Webhooks secrets: ``whsec_`` followed by base64 of 24 to 64 random bytes.
SIGNING_SECRET_PATTERN = r"^whsec_[A-Za-z0-9+/]{32,}={0,2}$"
HOST_PATTERN = r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"
APPROVAL_REQUESTED = "approval.requested"

CONFIG_SCHEMA: JSONSchema = {
    "$schema": SCHEMA_DIALECT,
    "title": "Webhook port",
    "type": "object",
    "properties": {
        "url": {
            "type": "string",
            "format": "uri",
            "pattern": "^https?://",
            "writeOnly": True,
            "description": "Where deliveries are POSTed. Kept as a secret because many "
            "webhook URLs carry their own token. Not needed by a port that only receives",
        },
        "signing_secret": {
            "type": "string",
            "pattern": SIGNING_SECRET_PATTERN,
            "writeOnly": True,
            "description": "Standard Webhooks signing secret (whsec_...). When set, every "
            "delivery carries webhook-id, webhook-timestamp and webhook-signature headers",
        },
        "inbound_secret": {
            "type": "string",
            "pattern": SIGNING_SECRET_PATTERN,
            "writeOnly": True,
            "description": "Standard Webhooks secret (whsec_...) that events sent to "
            "POST /hooks/<port> must be signed with. Unset: the port receives nothing",
        },
        "timeout_seconds": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 60,
            "default": 10,
            "description": "Time the receiver has to answer one delivery",
        },
        "notify_approvals": {
            "type": "boolean",
            "default": False,
            "description": "Post a signed approval.requested event to the url whenever a "
            "call waits for the operator's approval",
        },
        "allowed_hosts": {
            "type": "array",
            "items": {"type": "string", "pattern": HOST_PATTERN},
            "uniqueItems": True,
            "description": "When set, the COMPLETE list of hosts this port may contact, "
            "enforced by the node. Unset: any public host",
        },
        "allow_private_hosts": {
            "type": "array",
            "items": {"type": "string", "pattern": HOST_PATTERN},
            "uniqueItems": True,
            "description": "Hosts that may resolve to private or loopback addresses (a "
            "receiver on the LAN, n8n on 127.0.0.1). Without it the node refuses them",
        },
    },
    "additionalProperties": False,
}


class WebhookConnector(Connector):
    """A webhook receiver: each action POSTs a JSON body to the port's URL."""

    type = "webhook"
    title = "Webhook"
    description = (
        "Send JSON to a webhook URL, signed the Standard Webhooks way when a signing secret "
        "is set, and receive signed events at /hooks/<port>. The URL and the secrets stay "
        "on the node."
    )
    config_schema = CONFIG_SCHEMA
    action_kinds = {SEND_EVENT: SEND_EVENT_KIND}
    templates = TEMPLATES

    def validate_definition(self, kind: str, definition: dict[str, Any]) -> None:
        """Only ``send_event`` exists; its schema says the rest."""
        if kind != SEND_EVENT:
            raise InvalidDefinition(f"the webhook connector has no action kind {kind!r}")

    async def execute(
        self, ctx: CallContext, definition: dict[str, Any], arguments: dict[str, Any]
    ) -> Any:
        """Deliver one event; the webhook-id comes from the call id (the same on every retry)."""
        if ctx.kind not in (None, SEND_EVENT):
            raise ConnectorError(f"the webhook connector has no action kind {ctx.kind!r}")
        body = event_body(definition, arguments)
        msg_id = signing.webhook_id("call", ctx.call_id)
        response = await api.deliver(ctx, body, msg_id)
        return {
            "webhook_id": msg_id,
            "status": response.status_code,
            "signed": bool(ctx.secrets.get("signing_secret")),
            "response": api.answer(response),
        }

    async def check(self, ctx: CallContext) -> CheckResult:
        """Check the secrets' shapes; nothing is sent (a delivery could trigger something)."""
        try:
            for name in ("signing_secret", "inbound_secret"):
                if ctx.secrets.get(name):
                    signing.secret_key(ctx.secrets[name], name)
            if not ctx.secrets.get("url"):
                if ctx.secrets.get("inbound_secret"):
                    return CheckResult(ok=True, message="no url: this port only receives events")
                return CheckResult(ok=False, message="set the url, the inbound_secret, or both")
            api.port_url(ctx)
        except ConnectorError as err:
            return CheckResult(ok=False, message=err.message)
        signed = "signed" if ctx.secrets.get("signing_secret") else "unsigned"
        return CheckResult(
            ok=True, message=f"the url is set; deliveries are {signed}; nothing was sent"
        )

    def verify_inbound(
        self, ctx: CallContext, headers: Mapping[str, str], body: bytes
    ) -> InboundEvent:
        """Accept a delivery signed with the port's inbound secret, within five minutes."""
        secret = ctx.secrets.get("inbound_secret")
        if not secret:
            raise ConnectorError(
                f"port '{ctx.port}' has no inbound_secret, so it accepts no events"
            )
        msg_id = signing.verify(secret, headers, body)
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise ConnectorError("the signed body is not JSON") from None
        if not isinstance(payload, dict):
            raise ConnectorError("the signed body is not a JSON object")
        return InboundEvent(id=msg_id, payload=payload)

    async def notify_approval(self, ctx: CallContext, notice: ApprovalNotice) -> None:
        """POST a signed ``approval.requested`` event (one webhook-id per approval)."""
        data = asdict(notice)
        data["expires_at"] = notice.expires_at.isoformat().replace("+00:00", "Z")
        body = event_body({"event_type": APPROVAL_REQUESTED}, data)
        await api.deliver(ctx, body, signing.webhook_id(APPROVAL_REQUESTED, notice.approval_id))
