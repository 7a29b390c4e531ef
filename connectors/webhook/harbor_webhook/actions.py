"""The ``send_event`` action kind: its definition schema and the JSON body it sends."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from harbor.connector import ActionKind, ConnectorError, JSONSchema

SEND_EVENT = "send_event"
EVENT_TYPE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"

DEFINITION_SCHEMA: JSONSchema = {
    "type": "object",
    "properties": {
        "event_type": {
            "type": "string",
            "pattern": EVENT_TYPE_PATTERN,
            "description": "The event's type, e.g. 'deploy.finished' (the envelope's 'type')",
        },
        "envelope": {
            "type": "boolean",
            "default": True,
            "description": "True: send {type, timestamp, data} with the arguments as 'data' "
            "(the Standard Webhooks payload shape). False: send the arguments themselves as "
            'the body (for receivers that expect their own shape, e.g. Slack\'s {"text"})',
        },
        "data": {
            "type": "object",
            "description": "Fixed fields merged under the agent's arguments (arguments win)",
        },
    },
    "required": ["event_type"],
    "additionalProperties": False,
}

SEND_EVENT_KIND = ActionKind(
    title="Send an event",
    description="POST one JSON event to the port's URL, signed the Standard Webhooks way "
    "when the port has a signing secret. Every attempt of one call carries the same "
    "webhook-id, so receivers can drop duplicates.",
    definition_schema=DEFINITION_SCHEMA,
    default_risk="write",
    idempotent=False,
)


def event_body(
    definition: Mapping[str, Any], arguments: Mapping[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """The JSON body of one delivery: the envelope around the data, or the data alone."""
    fixed = definition.get("data") or {}
    if not isinstance(fixed, Mapping):
        raise ConnectorError("the definition's data must be an object")
    data = {**fixed, **arguments}
    if definition.get("envelope", True) is False:
        if not data:
            raise ConnectorError(
                "nothing to send: the arguments and the definition's data are empty"
            )
        return data
    return {
        "type": str(definition.get("event_type") or "harbor.event"),
        "timestamp": (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "data": data,
    }
