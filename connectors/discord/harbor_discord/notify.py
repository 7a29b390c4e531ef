"""The approval notice as a Discord message: action, agent, arguments, link; pings nobody."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harbor.connector import ApprovalNotice
from harbor_discord.limits import MAX_CONTENT

#: The arguments get at most this much of the message, so the link always fits.
MAX_SUMMARY = 1000


def _code(text: str) -> str:
    """``text`` as inline code; backticks inside would end it early."""
    return "`" + text.replace("`", "'") + "`"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def approval_message(notice: ApprovalNotice, config: Mapping[str, Any]) -> dict[str, Any]:
    """The webhook body announcing ``notice`` (within Discord's content limit)."""
    expires = notice.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"**Approval needed**: {_code(notice.action)} ({notice.risk}) "
        f"requested by agent {_code(notice.agent)}",
        f"Arguments: {_code(_cut(notice.summary, MAX_SUMMARY))}",
    ]
    if notice.rule:
        lines.append(f"Asked by: {_code(notice.rule)}")
    lines.append(f"Expires: {expires}")
    lines.append(f"Approve or deny: {notice.link}")
    content = _cut("\n".join(lines), MAX_CONTENT)
    payload: dict[str, Any] = {"content": content, "allowed_mentions": {"parse": []}}
    for key in ("username", "avatar_url"):
        if config.get(key):
            payload[key] = config[key]
    return payload
