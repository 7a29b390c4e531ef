"""The ``send_message`` action kind: its definition schema and the payload it sends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harbor.connector import ActionKind, JSONSchema
from harbor_discord.limits import MAX_CONTENT, MAX_EMBEDS, MAX_USERNAME, check_message

SEND_MESSAGE = "send_message"
MENTION_TYPES = ("users", "roles", "everyone")

DEFINITION_SCHEMA: JSONSchema = {
    "type": "object",
    "properties": {
        "content": {
            "type": "string",
            "maxLength": MAX_CONTENT,
            "description": "Text used when the agent sends none",
        },
        "embeds": {
            "type": "array",
            "maxItems": MAX_EMBEDS,
            "items": {"type": "object"},
            "description": "Embeds used when the agent sends none",
        },
        "username": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_USERNAME,
            "description": "Name to post under when the agent names none (overrides the port's)",
        },
        "avatar_url": {
            "type": "string",
            "pattern": "^https://",
            "description": "Avatar to show when the agent sends none (overrides the port's)",
        },
        "allow_mentions": {
            "type": "array",
            "items": {"enum": list(MENTION_TYPES)},
            "uniqueItems": True,
            "default": [],
            "description": "Mentions in the content that may ping: 'users', 'roles', "
            "'everyone' (@everyone and @here). Default none: mentions are shown, nobody is "
            "notified",
        },
    },
    "additionalProperties": False,
}

SEND_MESSAGE_KIND = ActionKind(
    title="Send a message",
    description="Post a message (text and/or embeds) to the port's channel through its "
    "webhook. Discord's limits are checked before sending; mentions ping nobody unless the "
    "definition allows them.",
    definition_schema=DEFINITION_SCHEMA,
    default_risk="write",
    idempotent=False,
)

MESSAGE_FIELDS = ("content", "embeds", "username", "avatar_url")


def build_payload(
    config: Mapping[str, Any], definition: Mapping[str, Any], arguments: Mapping[str, Any]
) -> dict[str, Any]:
    """The webhook's JSON body: arguments over the definition over the port's defaults.

    Raises ConnectorError (nothing is sent) when the message breaks one of Discord's limits.
    """
    payload: dict[str, Any] = {}
    for key in MESSAGE_FIELDS:
        for source in (arguments, definition, config):
            if source.get(key) is not None:
                payload[key] = source[key]
                break
    check_message(payload)
    if not payload.get("content"):
        payload.pop("content", None)
    if not payload.get("embeds"):
        payload.pop("embeds", None)
    allowed = [kind for kind in MENTION_TYPES if kind in definition.get("allow_mentions", [])]
    payload["allowed_mentions"] = {"parse": allowed}
    return payload
