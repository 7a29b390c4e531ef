"""The ``gmail`` connector: one Gmail mailbox, connected with the operator's OAuth client.

The core runs the OAuth flow and keeps the tokens (see ``OAuthMetadata`` below): the port
asks Google only for the scopes its published actions need, and each call gets a fresh
access token as ``ctx.secrets["access_token"]``. Action kinds are in
:mod:`harbor_gmail.actions`, requests and Google's errors in :mod:`harbor_gmail.api`,
MIME in :mod:`harbor_gmail.mime`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from harbor_google_common.oauth import connection_properties, google_oauth

from harbor.connector import (
    CallContext,
    CheckResult,
    Connector,
    ConnectorError,
    InvalidDefinition,
    JSONSchema,
)
from harbor_gmail import actions, api, mime
from harbor_gmail.actions import ACTION_KINDS, KIND_SCOPES, READONLY
from harbor_gmail.api import DEFAULT_API_BASE_URL
from harbor_gmail.templates import TEMPLATES

DEFAULT_MAX_BODY_CHARS = 20_000
DOMAIN_PATTERN = r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)+$"

CONFIG_SCHEMA: JSONSchema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Gmail port",
    "type": "object",
    "properties": {
        **connection_properties("Gmail API", DEFAULT_API_BASE_URL),
        "allowed_recipient_domains": {
            "type": "array",
            "items": {"type": "string", "pattern": DOMAIN_PATTERN},
            "uniqueItems": True,
            "description": "When set, drafts and messages may only go to addresses in these "
            "domains (example.com, or *.example.com for its subdomains)",
        },
        "max_body_chars": {
            "type": "integer",
            "minimum": 100,
            "maximum": 1_000_000,
            "default": DEFAULT_MAX_BODY_CHARS,
            "description": "How much of a message's plain-text body get_message returns",
        },
    },
    "required": ["client_id", "client_secret"],
    "additionalProperties": False,
}

Args = dict[str, Any]
Handler = Callable[[CallContext, Args, Args], Awaitable[Any]]


async def _list_messages(ctx: CallContext, d: Args, a: Args) -> Any:
    query = " ".join(q for q in (d.get("query"), actions.text(a, "q")) if q) or None
    labels = [*d.get("label_ids", []), *actions.strings(a, "label_ids")]
    params: list[tuple[str, Any]] = [("q", query)]
    params += [("labelIds", label) for label in labels]
    params += [("maxResults", actions.max_results(a)), ("pageToken", actions.text(a, "page_token"))]
    page = await api.send(ctx, "GET", api.user_path("messages"), params=params) or {}
    return {
        "messages": [
            {"id": m.get("id"), "thread_id": m.get("threadId")} for m in page.get("messages", [])
        ],
        "next_page_token": page.get("nextPageToken"),
        "result_size_estimate": page.get("resultSizeEstimate", 0),
    }


async def _get_message(ctx: CallContext, d: Args, a: Args) -> Any:
    path = api.user_path("messages", actions.identifier(a))
    message = await api.send(ctx, "GET", path, params={"format": "full"})
    payload = message.get("payload") or {}
    limit = int(ctx.config.get("max_body_chars") or DEFAULT_MAX_BODY_CHARS)
    body, truncated = mime.plain_text(payload, limit)
    return {
        "id": message.get("id"),
        "thread_id": message.get("threadId"),
        "label_ids": message.get("labelIds", []),
        "snippet": message.get("snippet", ""),
        "internal_date": message.get("internalDate"),
        "headers": mime.header_map(payload),
        "body": body,
        "body_truncated": truncated,
        "attachments": mime.attachments(payload),
    }


async def _list_labels(ctx: CallContext, d: Args, a: Args) -> Any:
    answer = await api.send(ctx, "GET", api.user_path("labels")) or {}
    return {
        "labels": [
            {"id": label.get("id"), "name": label.get("name"), "type": label.get("type")}
            for label in answer.get("labels", [])
        ]
    }


def _composed(ctx: CallContext, a: Args) -> dict[str, Any]:
    """Gmail's message body for a draft or a send: raw MIME (and the thread)."""
    to, cc, bcc = (actions.strings(a, name) for name in ("to", "cc", "bcc"))
    if not to:
        raise ConnectorError("the argument 'to' needs at least one address")
    mime.check_recipients([*to, *cc, *bcc], ctx.config, ctx.port)
    message = mime.build_message(
        to=to, cc=cc, bcc=bcc,
        subject=actions.text(a, "subject", required=True) or "",
        body=actions.text(a, "body", required=True) or "",
        in_reply_to=actions.text(a, "in_reply_to"),
    )  # fmt: skip
    composed: dict[str, Any] = {"raw": mime.raw(message)}
    if a.get("thread_id"):
        composed["threadId"] = actions.identifier(a, "thread_id")
    return composed


async def _create_draft(ctx: CallContext, d: Args, a: Args) -> Any:
    body = {"message": _composed(ctx, a)}
    draft = await api.send(ctx, "POST", api.user_path("drafts"), body=body)
    message = draft.get("message") or {}
    return {
        "draft_id": draft.get("id"),
        "id": message.get("id"),
        "thread_id": message.get("threadId"),
    }


async def _send_message(ctx: CallContext, d: Args, a: Args) -> Any:
    sent = await api.send(ctx, "POST", api.user_path("messages", "send"), body=_composed(ctx, a))
    return {
        "id": sent.get("id"),
        "thread_id": sent.get("threadId"),
        "label_ids": sent.get("labelIds", []),
    }


async def _modify_labels(ctx: CallContext, d: Args, a: Args) -> Any:
    add = [*d.get("add_label_ids", []), *actions.strings(a, "add_label_ids")]
    remove = [*d.get("remove_label_ids", []), *actions.strings(a, "remove_label_ids")]
    if not add and not remove:
        raise ConnectorError("give add_label_ids or remove_label_ids (or both)")
    path = api.user_path("messages", actions.identifier(a), "modify")
    body = {"addLabelIds": add, "removeLabelIds": remove}
    message = await api.send(ctx, "POST", path, body=body)
    return {"id": message.get("id"), "label_ids": message.get("labelIds", [])}


async def _trash_message(ctx: CallContext, d: Args, a: Args) -> Any:
    path = api.user_path("messages", actions.identifier(a), "trash")
    message = await api.send(ctx, "POST", path)
    return {"id": message.get("id"), "label_ids": message.get("labelIds", [])}


HANDLERS: dict[str, Handler] = {
    "list_messages": _list_messages,
    "get_message": _get_message,
    "list_labels": _list_labels,
    "create_draft": _create_draft,
    "send_message": _send_message,
    "modify_labels": _modify_labels,
    "trash_message": _trash_message,
}


class GmailConnector(Connector):
    """A Gmail mailbox through the Gmail API, with OAuth tokens held by the node."""

    type = "gmail"
    title = "Gmail"
    description = (
        "Read, label, draft and send e-mail in one Gmail mailbox. You connect it once in the "
        "browser with your own Google OAuth client; the tokens stay on the node."
    )
    config_schema = CONFIG_SCHEMA
    action_kinds = ACTION_KINDS
    templates = TEMPLATES
    oauth = google_oauth(KIND_SCOPES, fallback_scopes=(READONLY,))

    def validate_definition(self, kind: str, definition: dict[str, Any]) -> None:
        """Only the known kinds."""
        if kind not in ACTION_KINDS:
            raise InvalidDefinition(f"the gmail connector has no action kind {kind!r}")

    async def execute(
        self, ctx: CallContext, definition: dict[str, Any], arguments: dict[str, Any]
    ) -> Any:
        """Run the kind's request with the port's access token."""
        handler = HANDLERS.get(ctx.kind or "")
        if handler is None:
            raise ConnectorError(f"the gmail connector has no action kind {ctx.kind!r}")
        return await handler(ctx, definition or {}, arguments)

    async def check(self, ctx: CallContext) -> CheckResult:
        """Read the mailbox's profile (works with any Gmail scope)."""
        profile = await api.send(ctx, "GET", api.user_path("profile"))
        return CheckResult(ok=True, message=f"connected to {profile.get('emailAddress', 'Gmail')}")
