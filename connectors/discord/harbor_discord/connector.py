"""The ``discord`` connector: messages to a Discord channel through its webhook.

A port is one channel webhook; its URL is the port's only secret. The one action kind,
``send_message`` (:mod:`harbor_discord.actions`), posts a message after checking Discord's
limits (:mod:`harbor_discord.limits`); :mod:`harbor_discord.api` sends it and maps answers.
"""

from __future__ import annotations

from typing import Any

from harbor.connector import (
    ApprovalNotice,
    AuthFailed,
    CallContext,
    CheckResult,
    Connector,
    ConnectorError,
    InvalidDefinition,
    JSONSchema,
)
from harbor_discord import api
from harbor_discord.actions import SEND_MESSAGE, SEND_MESSAGE_KIND, build_payload
from harbor_discord.limits import check_embed
from harbor_discord.notify import approval_message
from harbor_discord.templates import TEMPLATES

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
HOST_PATTERN = r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"
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
        "notify_approvals": {
            "type": "boolean",
            "default": False,
            "description": "Post a message to the channel whenever a call waits for the "
            "operator's approval (action, agent, redacted arguments, link)",
        },
        "allowed_hosts": {
            "type": "array",
            "items": {"type": "string", "pattern": HOST_PATTERN},
            "uniqueItems": True,
            "description": "When set, the COMPLETE list of hosts this port may contact, "
            "enforced by the node (e.g. discord.com). Unset: any public host",
        },
        "allow_private_hosts": {
            "type": "array",
            "items": {"type": "string", "pattern": HOST_PATTERN},
            "uniqueItems": True,
            "description": "Hosts that may resolve to private or loopback addresses (a "
            "test double on 127.0.0.1). Without it the node refuses them",
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
    action_kinds = {SEND_MESSAGE: SEND_MESSAGE_KIND}
    templates = TEMPLATES

    def __init__(self) -> None:
        self.rate_limits = api.RateLimits()

    def validate_definition(self, kind: str, definition: dict[str, Any]) -> None:
        """Check a ``send_message`` definition's default embeds against Discord's limits."""
        if kind != SEND_MESSAGE:
            raise InvalidDefinition(f"the discord connector has no action kind {kind!r}")
        try:
            for index, embed in enumerate(definition.get("embeds") or []):
                check_embed(embed, f"embeds[{index}]")
        except ConnectorError as err:
            raise InvalidDefinition(err.message) from None

    async def execute(
        self, ctx: CallContext, definition: dict[str, Any], arguments: dict[str, Any]
    ) -> Any:
        """Post one message to the port's webhook and return its ids."""
        if ctx.kind not in (None, SEND_MESSAGE):
            raise ConnectorError(f"the discord connector has no action kind {ctx.kind!r}")
        answer = await self._post(ctx, build_payload(ctx.config, definition, arguments))
        body = answer.body if isinstance(answer.body, dict) else {}
        return {
            "message_id": body.get("id"),
            "channel_id": body.get("channel_id"),
            "timestamp": body.get("timestamp"),
        }

    async def _post(self, ctx: CallContext, payload: dict[str, Any]) -> api.Answer:
        """Post one message, honouring and recording the webhook's rate limit."""
        url = api.webhook_url(ctx)
        await self.rate_limits.before_sending(url, ctx.port)
        answer = await api.request(ctx, "POST", url, payload)
        self.rate_limits.observe(url, answer.headers)
        if answer.status == 429:
            error = api.rate_limited(answer, ctx.port)
            if error.retry_after:
                self.rate_limits.block(url, error.retry_after)
            raise error
        api.raise_for_answer(answer, url, ctx.port)
        return answer

    async def notify_approval(self, ctx: CallContext, notice: ApprovalNotice) -> None:
        """Post who asks for what and the approval link; mentions ping nobody."""
        await self._post(ctx, approval_message(notice, ctx.config))

    async def check(self, ctx: CallContext) -> CheckResult:
        """GET the webhook: Discord describes it (name, channel, guild) if it still exists."""
        try:
            url = api.webhook_url(ctx)
            answer = await api.request(ctx, "GET", url)
            api.raise_for_answer(answer, url, ctx.port)
        except AuthFailed:
            raise
        except ConnectorError as err:
            return CheckResult(ok=False, message=err.message)
        body = answer.body if isinstance(answer.body, dict) else {}
        name = str(body.get("name") or "unnamed")[:80]
        where = f"channel {body.get('channel_id') or 'unknown'}"
        if body.get("guild_id"):
            where += f" of server {body['guild_id']}"
        return CheckResult(ok=True, message=f"webhook '{name}' posts to {where}")
