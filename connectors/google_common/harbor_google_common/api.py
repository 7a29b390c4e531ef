"""Talking to Google's JSON APIs: requests with the port's access token, Google's errors.

Shared by the Gmail and Google Calendar connectors (and open to any connector for a Google
API). Every request goes through the core's guarded client (``ctx.http``) to the port's
``api_base_url``. The access token is the one the core keeps fresh for the port
(``ctx.secrets["access_token"]``); error messages carry Google's own ``message`` and
``reason``, never the token.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import httpx

from harbor.connector import AuthFailed, CallContext, ConnectorError, RetryableError

TIMEOUT_SECONDS = 30.0
MESSAGE_CHARS = 300
#: 403 reasons that mean "later", not "never" (Google's usage limits).
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})


def headers(ctx: CallContext) -> dict[str, str]:
    """The bearer token the core resolved for this call."""
    token = ctx.secrets.get("access_token")
    if not token:
        raise AuthFailed(f"port '{ctx.port}' is not connected to Google; connect it first")
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def base_url(config: Mapping[str, Any], default: str) -> str:
    """The port's ``api_base_url`` (or ``default``), without a trailing slash."""
    return str(config.get("api_base_url") or default).rstrip("/")


async def send(
    ctx: CallContext,
    method: str,
    path: str,
    *,
    default_base_url: str,
    params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
    body: Any = None,
) -> Any:
    """One request through the core's client; the JSON answer, or the mapped error.

    ``path`` is appended to the port's ``api_base_url`` (``default_base_url`` when unset).
    """
    url = base_url(ctx.config, default_base_url) + path
    host = httpx.URL(url).host
    if isinstance(params, Mapping):
        params = [(k, v) for k, v in params.items()]
    query = [(k, v) for k, v in (params or []) if v is not None]
    extra: dict[str, Any] = {} if body is None else {"json": body}
    try:
        response = await ctx.http.request(
            method, url, params=query or None, headers=headers(ctx), timeout=TIMEOUT_SECONDS,
            **extra,
        )  # fmt: skip
    except httpx.TimeoutException as err:
        raise RetryableError(
            f"{host} did not answer within {TIMEOUT_SECONDS:g}s", timeout=True
        ) from err
    except httpx.ConnectError as err:
        raise RetryableError(f"could not connect to {host}", retry_safe=True) from err
    except httpx.HTTPError as err:
        raise RetryableError(f"the connection to {host} failed ({err.__class__.__name__})") from err
    if not response.is_success:
        raise_for_status(response, method, path)
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as err:
        raise ConnectorError(f"Google answered {path} with a body that is not JSON") from err


def google_error(response: httpx.Response) -> tuple[str, str]:
    """Google's error ``message`` and first ``reason`` (``{"error": {...}}``), shortened."""
    try:
        document = response.json()
    except ValueError:
        return "", ""
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return "", ""
    message = str(error.get("message") or "")
    reasons = [e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)]
    reason = next((str(r) for r in reasons if r), str(error.get("status") or ""))
    return " ".join(message.split())[:MESSAGE_CHARS], reason


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return 60.0
    return max(seconds, 0.0) if math.isfinite(seconds) else 60.0


def raise_for_status(response: httpx.Response, method: str, path: str) -> None:
    """Turn a non-2xx answer into the error that tells the core what to do next."""
    status = response.status_code
    message, reason = google_error(response)
    said = f"Google answered {status} to {method} {path}"
    text = f"{said}: {message} ({reason})" if message else said
    if status == 401:
        raise AuthFailed(f"{text}; the port's Google connection was rejected", status=status)
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        raise RetryableError(
            text, retry_after=_retry_after(response), status=status, retry_safe=True
        )
    if status >= 500:
        raise RetryableError(text, retry_after=_retry_after(response), status=status)
    if status == 403 and reason in ("insufficientPermissions", "PERMISSION_DENIED"):
        text += "; reconnect the port to grant the scopes its actions need"
    raise ConnectorError(text, status=status)
