"""The action kinds of the ``gmail`` connector, the OAuth scope each needs, and arguments.

Definitions are empty, except ``list_messages``: its definition may fix a Gmail search
(``query``, e.g. ``is:unread in:inbox``) and labels that every call adds to the agent's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harbor.connector import ActionKind, ConnectorError, JSONSchema, Risk

SCOPE = "https://www.googleapis.com/auth/"
READONLY = SCOPE + "gmail.readonly"
COMPOSE = SCOPE + "gmail.compose"
SEND = SCOPE + "gmail.send"
MODIFY = SCOPE + "gmail.modify"

MESSAGE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
LABEL_ID_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"
MAX_RESULTS_LIMIT = 500

EMPTY_DEFINITION: JSONSchema = {"type": "object", "properties": {}, "additionalProperties": False}
LIST_DEFINITION: JSONSchema = {
    "type": "object",
    "properties": {
        "query": {
            "type": "string",
            "maxLength": 500,
            "description": "A Gmail search every call includes, e.g. 'is:unread in:inbox'",
        },
        "label_ids": {
            "type": "array",
            "items": {"type": "string", "pattern": LABEL_ID_PATTERN},
            "description": "Labels every listed message must have, e.g. ['INBOX']",
        },
    },
    "additionalProperties": False,
}

MODIFY_DEFINITION: JSONSchema = {
    "type": "object",
    "properties": {
        name: {
            "type": "array",
            "items": {"type": "string", "pattern": LABEL_ID_PATTERN},
            "description": f"Labels every call {verb}, on top of the agent's own",
        }
        for name, verb in (("add_label_ids", "adds"), ("remove_label_ids", "removes"))
    },
    "additionalProperties": False,
}


def _kind(
    title: str, description: str, risk: Risk, idempotent: bool, definition: JSONSchema | None = None
) -> ActionKind:
    return ActionKind(
        title=title,
        description=description,
        definition_schema=dict(definition or EMPTY_DEFINITION),
        default_risk=risk,
        idempotent=idempotent,
    )


ACTION_KINDS: dict[str, ActionKind] = {
    "list_messages": _kind(
        "List messages",
        "GET users/me/messages. Arguments (all optional): q (Gmail search), label_ids, "
        "max_results (1-500), page_token. Returns ids and thread ids.",
        "read", True, LIST_DEFINITION,
    ),
    "get_message": _kind(
        "Get a message",
        "GET users/me/messages/{id}?format=full. Argument: id. Returns headers, snippet, "
        "labels, the plain-text body (capped) and the attachments' names and sizes.",
        "read", True,
    ),
    "list_labels": _kind("List labels", "GET users/me/labels. No arguments.", "read", True),
    "create_draft": _kind(
        "Create a draft",
        "POST users/me/drafts. Arguments: to (addresses), subject, body; optional cc, bcc, "
        "thread_id, in_reply_to. Recipients are checked against the port's allowed domains.",
        "write", False,
    ),
    "send_message": _kind(
        "Send a message",
        "POST users/me/messages/send. Arguments: to (addresses), subject, body; optional cc, "
        "bcc, thread_id, in_reply_to. Recipients are checked against the allowed domains.",
        "write", False,
    ),
    "modify_labels": _kind(
        "Add or remove labels",
        "POST users/me/messages/{id}/modify. Arguments: id; add_label_ids and/or "
        "remove_label_ids (e.g. remove UNREAD to mark as read). The definition may fix "
        "labels every call adds or removes.",
        "write", True, MODIFY_DEFINITION,
    ),
    "trash_message": _kind(
        "Move a message to the trash",
        "POST users/me/messages/{id}/trash. Argument: id.",
        "destructive", True,
    ),
}  # fmt: skip

KIND_SCOPES: dict[str, tuple[str, ...]] = {
    "list_messages": (READONLY,),
    "get_message": (READONLY,),
    "list_labels": (READONLY,),
    "create_draft": (COMPOSE,),
    "send_message": (SEND,),
    "modify_labels": (MODIFY,),
    "trash_message": (MODIFY,),
}


# --- Reading arguments ---------------------------------------------------------------------


def text(args: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    """A string argument (None when absent and optional)."""
    value = args.get(name)
    if value is None:
        if required:
            raise ConnectorError(f"the argument '{name}' is required")
        return None
    if not isinstance(value, str):
        raise ConnectorError(f"the argument '{name}' must be a string")
    return value


def identifier(args: Mapping[str, Any], name: str = "id") -> str:
    """A Gmail message or thread id."""
    value = text(args, name, required=True)
    assert value is not None
    if not value.replace("-", "").replace("_", "").isalnum() or len(value) > 64:
        raise ConnectorError(f"the argument '{name}' is not a Gmail id")
    return value


def strings(args: Mapping[str, Any], name: str) -> list[str]:
    """A list-of-strings argument (empty when absent)."""
    value = args.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConnectorError(f"the argument '{name}' must be a list of strings")
    return list(value)


def max_results(args: Mapping[str, Any]) -> int | None:
    """``max_results``, 1 to 500."""
    value = args.get("max_results")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_RESULTS_LIMIT:
        raise ConnectorError(f"the argument 'max_results' must be 1 to {MAX_RESULTS_LIMIT}")
    return value
