"""Ready-to-use actions an operator adds to a ``gmail`` port in one step."""

from __future__ import annotations

from typing import Any

from harbor.connector import ActionTemplate, JSONSchema, Risk
from harbor_gmail.actions import LABEL_ID_PATTERN, MESSAGE_ID_PATTERN
from harbor_gmail.mime import ADDRESS_PATTERN

MESSAGE_ID: JSONSchema = {
    "type": "string",
    "pattern": MESSAGE_ID_PATTERN,
    "description": "A message id from list_unread or search_messages",
}
ADDRESSES: JSONSchema = {
    "type": "array",
    "items": {"type": "string", "pattern": ADDRESS_PATTERN, "maxLength": 254},
    "minItems": 1,
    "maxItems": 50,
    "description": "Plain e-mail addresses, e.g. ['ada@example.com']",
}
LABEL_IDS: JSONSchema = {
    "type": "array",
    "items": {"type": "string", "pattern": LABEL_ID_PATTERN},
    "maxItems": 20,
    "description": "Label ids, e.g. UNREAD, STARRED or Label_12 (see list_labels)",
}
LISTING: dict[str, JSONSchema] = {
    "max_results": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    "page_token": {"type": "string", "maxLength": 200, "description": "next_page_token"},
}
COMPOSE: dict[str, JSONSchema] = {
    "to": ADDRESSES,
    "cc": {**ADDRESSES, "minItems": 0},
    "bcc": {**ADDRESSES, "minItems": 0},
    "subject": {"type": "string", "maxLength": 250},
    "body": {"type": "string", "maxLength": 50_000, "description": "Plain text"},
    "thread_id": {"type": "string", "pattern": MESSAGE_ID_PATTERN},
    "in_reply_to": {"type": "string", "maxLength": 250, "description": "Message-ID header"},
}


def _schema(properties: dict[str, JSONSchema], required: list[str] | None = None) -> JSONSchema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": False,
    }


def _template(
    name: str,
    kind: str,
    description: str,
    risk: Risk,
    schema: JSONSchema,
    definition: dict[str, Any] | None = None,
) -> ActionTemplate:
    return ActionTemplate(name, kind, description, risk, schema, definition or {})


TEMPLATES: list[ActionTemplate] = [
    _template(
        "list_unread", "list_messages", "List unread messages in the inbox, newest first.",
        "read", _schema(LISTING), {"query": "is:unread in:inbox"},
    ),
    _template(
        "search_messages", "list_messages", "Search the mailbox with Gmail's search syntax.",
        "read", _schema({"q": {"type": "string", "maxLength": 500}, **LISTING}, ["q"]),
    ),
    _template(
        "get_message", "get_message",
        "Read one message: headers, snippet, plain-text body and attachment names.",
        "read", _schema({"id": MESSAGE_ID}, ["id"]),
    ),
    _template("list_labels", "list_labels", "List the mailbox's labels.", "read", _schema({})),
    _template(
        "create_draft", "create_draft", "Write a draft for a human to review and send.",
        "write", _schema(COMPOSE, ["to", "subject", "body"]),
    ),
    _template(
        "send_message", "send_message", "Send a plain-text e-mail.",
        "write", _schema(COMPOSE, ["to", "subject", "body"]),
    ),
    _template(
        "mark_as_read", "modify_labels", "Mark a message as read (removes UNREAD).",
        "write", _schema({"id": MESSAGE_ID}, ["id"]), {"remove_label_ids": ["UNREAD"]},
    ),
    _template(
        "modify_labels", "modify_labels", "Add and remove labels on a message.",
        "write",
        _schema(
            {"id": MESSAGE_ID, "add_label_ids": LABEL_IDS, "remove_label_ids": LABEL_IDS}, ["id"]
        ),
    ),
    _template(
        "trash_message", "trash_message", "Move a message to the trash.",
        "destructive", _schema({"id": MESSAGE_ID}, ["id"]),
    ),
]  # fmt: skip
