"""The ``discord`` connector: messages to a Discord channel through its webhook.

This release is the skeleton: the connector is registered, described and configurable, and
its port config schema is final; ``execute`` arrives with the action kinds in a later release
(until then the base class raises ``NotImplementedError``).
"""

from __future__ import annotations

from harbor.connector import Connector, JSONSchema

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
WEBHOOK_URL_PATTERN = (
    r"^https://((ptb|canary)\.)?(discord\.com|discordapp\.com)/api/webhooks/[0-9]+/[A-Za-z0-9_-]+$"
)

CONFIG_SCHEMA: JSONSchema = {
    "$schema": SCHEMA_DIALECT,
    "title": "Discord port",
    "type": "object",
    "properties": {
        "webhook_url": {
            "type": "string",
            "format": "uri",
            "pattern": WEBHOOK_URL_PATTERN,
            "writeOnly": True,
            "description": "The channel's webhook URL (Channel settings > Integrations > "
            "Webhooks > Copy Webhook URL). Anyone holding it can post, so it is a secret",
        },
        "username": {
            "type": "string",
            "minLength": 1,
            "maxLength": 80,
            "description": "Name messages are posted under, instead of the webhook's own",
        },
        "avatar_url": {
            "type": "string",
            "format": "uri",
            "pattern": "^https://",
            "description": "Image shown next to messages, instead of the webhook's own",
        },
    },
    "required": ["webhook_url"],
    "additionalProperties": False,
}


class DiscordConnector(Connector):
    """One Discord channel, reached through a channel webhook."""

    type = "discord"
    title = "Discord"
    description = (
        "Post messages to a Discord channel through its webhook. The webhook URL stays on "
        "the node; agents only name the port."
    )
    config_schema = CONFIG_SCHEMA
