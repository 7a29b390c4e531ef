"""Discord's message limits, checked before anything is sent.

Discord refuses a message over any of these limits with a 400; checking them first gives
the agent a clear message naming the limit, and the channel never sees half a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harbor.connector import ConnectorError

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000
MAX_USERNAME = 80


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConnectorError(f"{where} must be a string")
    return value


def _limit(value: str, limit: int, where: str) -> int:
    if len(value) > limit:
        raise ConnectorError(f"{where} has {len(value)} characters; Discord allows at most {limit}")
    return len(value)


def _part(embed: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    part = embed.get(key)
    if part is None:
        return {}
    if not isinstance(part, Mapping):
        raise ConnectorError(f"{where}.{key} must be an object")
    return part


def check_embed(embed: Any, where: str) -> int:
    """Check one embed against Discord's limits; return its counted characters."""
    if not isinstance(embed, Mapping):
        raise ConnectorError(f"{where} must be an object")
    total = _limit(_text(embed.get("title"), f"{where}.title"), MAX_TITLE, f"{where}.title")
    description = _text(embed.get("description"), f"{where}.description")
    total += _limit(description, MAX_DESCRIPTION, f"{where}.description")
    fields = embed.get("fields") or []
    if not isinstance(fields, list):
        raise ConnectorError(f"{where}.fields must be a list")
    if len(fields) > MAX_FIELDS:
        raise ConnectorError(
            f"{where} has {len(fields)} fields; Discord allows at most {MAX_FIELDS}"
        )
    for index, field in enumerate(fields):
        here = f"{where}.fields[{index}]"
        if not isinstance(field, Mapping):
            raise ConnectorError(f"{here} must be an object")
        name = _text(field.get("name"), f"{here}.name")
        value = _text(field.get("value"), f"{here}.value")
        total += _limit(name, MAX_FIELD_NAME, f"{here}.name")
        total += _limit(value, MAX_FIELD_VALUE, f"{here}.value")
    footer = _part(embed, "footer", where)
    text = _text(footer.get("text"), f"{where}.footer.text")
    total += _limit(text, MAX_FOOTER, f"{where}.footer.text")
    author = _part(embed, "author", where)
    name = _text(author.get("name"), f"{where}.author.name")
    total += _limit(name, MAX_AUTHOR_NAME, f"{where}.author.name")
    return total


def check_message(payload: Mapping[str, Any]) -> None:
    """Raise ConnectorError when ``payload`` breaks one of Discord's limits."""
    content = _text(payload.get("content"), "content")
    _limit(content, MAX_CONTENT, "content")
    embeds = payload.get("embeds") or []
    if not isinstance(embeds, list):
        raise ConnectorError("embeds must be a list of embed objects")
    if len(embeds) > MAX_EMBEDS:
        raise ConnectorError(
            f"the message has {len(embeds)} embeds; Discord allows at most {MAX_EMBEDS}"
        )
    if not content.strip() and not embeds:
        raise ConnectorError("a message needs content or at least one embed")
    total = sum(check_embed(embed, f"embeds[{i}]") for i, embed in enumerate(embeds))
    if total > MAX_EMBED_TOTAL:
        raise ConnectorError(
            f"the embeds have {total} characters in all (titles, descriptions, fields, "
            f"footers, author names); Discord allows at most {MAX_EMBED_TOTAL}"
        )
    username = payload.get("username")
    if username is not None:
        name = _text(username, "username")
        if not name.strip():
            raise ConnectorError("username must not be empty")
        _limit(name, MAX_USERNAME, "username")
    avatar = payload.get("avatar_url")
    if avatar is not None and not _text(avatar, "avatar_url").startswith(("https://", "http://")):
        raise ConnectorError("avatar_url must be an http(s) URL")
