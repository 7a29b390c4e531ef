"""Starter actions an operator adds to a ``webhook`` port in one step."""

from __future__ import annotations

from harbor.connector import ActionTemplate
from harbor_webhook.actions import SEND_EVENT

NOTIFY = ActionTemplate(
    name="notify",
    kind=SEND_EVENT,
    description="Send a notification event to this webhook: a short 'message' and a "
    "'severity' (info, warning or critical). The receiver gets "
    '{"type": "harbor.notification", "timestamp": ..., "data": {"message", "severity"}}. '
    "Each call sends one event.",
    risk="write",
    input_schema={
        "type": "object",
        "properties": {
            "message": {
                "type": "string",
                "minLength": 1,
                "maxLength": 4000,
                "description": "What happened, in a sentence or two",
            },
            "severity": {
                "enum": ["info", "warning", "critical"],
                "default": "info",
                "description": "How urgent it is",
            },
        },
        "required": ["message"],
        "additionalProperties": False,
    },
    definition={"event_type": "harbor.notification"},
)

SEND_EVENT_TEMPLATE = ActionTemplate(
    name="send_event",
    kind=SEND_EVENT,
    description="Send a structured event to this webhook: the arguments, any JSON object, "
    "become the event's data under the type 'harbor.event'. Each call sends one event.",
    risk="write",
    input_schema={"type": "object", "minProperties": 1},
    definition={"event_type": "harbor.event"},
)

POST_TEXT = ActionTemplate(
    name="post_text",
    kind=SEND_EVENT,
    description="Post a text message to a chat incoming webhook that expects "
    '{"text": "..."} (Slack, Mattermost, Rocket.Chat and similar). Each call posts one '
    "message.",
    risk="write",
    input_schema={
        "type": "object",
        "properties": {
            "text": {
                "type": "string",
                "minLength": 1,
                "maxLength": 4000,
                "description": "The message text",
            },
        },
        "required": ["text"],
        "additionalProperties": False,
    },
    definition={"event_type": "harbor.text", "envelope": False},
)

TEMPLATES = [NOTIFY, SEND_EVENT_TEMPLATE, POST_TEXT]
