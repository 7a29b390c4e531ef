"""Talking to a Discord webhook: sending, rate limits and mapping answers to errors.

The webhook URL is a credential (its last path segment is the webhook's token), so no
message built here ever contains it: errors name the port, never the URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from harbor.connector import AuthFailed, CallContext, ConnectorError, RetryableError

REQUEST_TIMEOUT_SECONDS = 15.0
MAX_WAIT_SECONDS = 3.0
"""Longest the connector waits for an exhausted rate-limit bucket before sending; beyond
that it raises RetryableError and lets the core schedule the retry."""
MAX_TRACKED_WEBHOOKS = 1024


@dataclass
class Answer:
    """What Discord answered: status, headers and the JSON body (``None`` if not JSON)."""

    status: int
    headers: httpx.Headers
    body: Any


def webhook_url(ctx: CallContext) -> str:
    """The port's webhook URL from its secrets; ConnectorError if it is missing or malformed."""
    url = ctx.secrets.get("webhook_url")
    if not url:
        raise ConnectorError(
            f"port '{ctx.port}' has no webhook_url: set it with "
            f"PUT /api/v1/ports/{ctx.port}/secrets/webhook_url"
        )
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConnectorError(
            f"the webhook_url of port '{ctx.port}' is not a valid URL; set it again"
        )
    return url


def _webhook_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


class RateLimits:
    """Per-webhook rate-limit state: until when a webhook's bucket is exhausted.

    Keyed by a hash of the webhook URL, so the token is not kept in another place.
    """

    def __init__(self) -> None:
        self._blocked_until: dict[str, float] = {}

    def wait_needed(self, url: str) -> float:
        """Seconds to wait before the next message to ``url`` (0 when it may go now)."""
        until = self._blocked_until.get(_webhook_key(url))
        if until is None:
            return 0.0
        remaining = until - time.monotonic()
        if remaining <= 0:
            self._blocked_until.pop(_webhook_key(url), None)
            return 0.0
        return remaining

    def block(self, url: str, seconds: float) -> None:
        """Remember that ``url`` may not be used for ``seconds``."""
        now = time.monotonic()
        if len(self._blocked_until) >= MAX_TRACKED_WEBHOOKS:
            for key, until in list(self._blocked_until.items()):
                if until <= now:
                    del self._blocked_until[key]
            if len(self._blocked_until) >= MAX_TRACKED_WEBHOOKS:
                self._blocked_until.pop(next(iter(self._blocked_until)))
        self._blocked_until[_webhook_key(url)] = now + seconds

    def observe(self, url: str, headers: httpx.Headers) -> None:
        """Read ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset-After`` of an answer."""
        remaining = headers.get("X-RateLimit-Remaining")
        reset_after = _float(headers.get("X-RateLimit-Reset-After"))
        if remaining is not None and remaining.strip() == "0" and reset_after:
            self.block(url, reset_after)

    async def before_sending(self, url: str, port: str) -> None:
        """Wait for an exhausted bucket (a few seconds at most), or raise RetryableError."""
        wait = self.wait_needed(url)
        if wait <= 0:
            return
        if wait > MAX_WAIT_SECONDS:
            raise RetryableError(
                f"Discord's rate limit for the webhook of port '{port}' is used up for "
                f"{wait:.1f}s more; nothing was sent",
                retry_after=wait,
                status=429,
                retry_safe=True,
            )
        await asyncio.sleep(wait)


def _redact(text: str, url: str) -> str:
    """``text`` without the webhook URL or its token."""
    token = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    text = text.replace(url, "[webhook URL]")
    if len(token) >= 8:
        text = text.replace(token, "[token]")
    return text


async def request(
    ctx: CallContext, method: str, url: str, payload: dict[str, Any] | None = None
) -> Answer:
    """One request to the webhook through the node's guarded client."""
    params = {"wait": "true"} if method == "POST" else None
    try:
        response = await ctx.http.request(
            method, url, params=params, json=payload, timeout=REQUEST_TIMEOUT_SECONDS
        )
    except httpx.TimeoutException:
        raise RetryableError(
            f"Discord did not answer within {REQUEST_TIMEOUT_SECONDS:g}s (port '{ctx.port}')",
            timeout=True,
        ) from None
    except httpx.ConnectError:
        raise RetryableError(
            f"could not connect to Discord (port '{ctx.port}')", retry_safe=True
        ) from None
    except httpx.TransportError as err:
        raise RetryableError(
            f"the connection to Discord failed ({err.__class__.__name__}, port '{ctx.port}')"
        ) from None
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    return Answer(response.status_code, response.headers, body)


def discord_message(answer: Answer, url: str) -> str:
    """Discord's own explanation of an error answer, without the webhook URL or token."""
    body = answer.body if isinstance(answer.body, dict) else {}
    message = str(body.get("message") or "").strip()[:300]
    code = body.get("code")
    text = message or "no explanation"
    if isinstance(code, int):
        text = f"{text} (Discord error code {code})"
    return _redact(text, url)


def rate_limited(answer: Answer, port: str) -> RetryableError:
    """The error for a 429: ``retry_after`` from the JSON body, else the Retry-After header."""
    body = answer.body if isinstance(answer.body, dict) else {}
    retry_after = _float(body.get("retry_after"))
    if retry_after is None:
        retry_after = _float(answer.headers.get("Retry-After"))
    scope = "global " if body.get("global") else ""
    return RetryableError(
        f"Discord's {scope}rate limit was hit (port '{port}'); nothing was sent",
        retry_after=retry_after,
        status=429,
        retry_safe=True,
    )


def raise_for_answer(answer: Answer, url: str, port: str) -> None:
    """Map an error answer to the exception the core understands; return if it is a success."""
    status = answer.status
    if status < 300:
        return
    explanation = discord_message(answer, url)
    if status == 429:
        raise rate_limited(answer, port)
    if status in (401, 404):
        raise AuthFailed(
            f"Discord answered {status} for the webhook of port '{port}': the webhook was "
            f"deleted or its token is wrong; set a new webhook_url ({explanation})",
            status=status,
        )
    if status >= 500:
        raise RetryableError(f"Discord answered {status}: {explanation}", status=status)
    raise ConnectorError(f"Discord refused the message ({status}): {explanation}", status=status)
