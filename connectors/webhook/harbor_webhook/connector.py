"""The ``webhook`` connector: JSON deliveries to one URL, optionally signed.

This release is the skeleton: the connector is registered, described and configurable, and
its port config schema is final; ``execute`` arrives with the action kinds in a later release
(until then the base class raises ``NotImplementedError``).
"""

from __future__ import annotations

from harbor.connector import Connector, JSONSchema

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Standard Webhooks secrets: ``whsec_`` followed by base64 of 24 to 64 random bytes.
SIGNING_SECRET_PATTERN = r"^whsec_[A-Za-z0-9+/]{32,}={0,2}$"

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
            "webhook URLs carry their own token",
        },
        "signing_secret": {
            "type": "string",
            "pattern": SIGNING_SECRET_PATTERN,
            "writeOnly": True,
            "description": "Standard Webhooks signing secret (whsec_...). When set, every "
            "delivery carries webhook-id, webhook-timestamp and webhook-signature headers",
        },
        "timeout_seconds": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 60,
            "default": 10,
            "description": "Time the receiver has to answer one delivery",
        },
    },
    "required": ["url"],
    "additionalProperties": False,
}


class WebhookConnector(Connector):
    """A webhook receiver: each action POSTs a JSON body to the port's URL."""

    type = "webhook"
    title = "Webhook"
    description = (
        "Send JSON to a webhook URL, signed the Standard Webhooks way when a signing secret "
        "is set. The URL and the secret stay on the node."
    )
    config_schema = CONFIG_SCHEMA
