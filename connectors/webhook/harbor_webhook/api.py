"""Delivering one JSON body to the port's URL, and mapping the receiver's answer to errors.

The URL is a secret (many webhook URLs carry their own token), so no message built here
contains it or its path: errors name the port and the status only.
"""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from harbor.connector import CallContext, ConnectorError, RetryableError
from harbor_webhook.signing import signed_headers

DEFAULT_TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_PREVIEW = 2000
USER_AGENT = "Harbor-Webhook/0.1"


def port_url(ctx: CallContext) -> str:
    """The port's delivery URL from its secrets; ConnectorError if unset or malformed."""
    url = ctx.secrets.get("url")
    if not url:
        raise ConnectorError(
            f"port '{ctx.port}' has no url to deliver to: set it with "
            f"PUT /api/v1/ports/{ctx.port}/secrets/url"
        )
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConnectorError(f"the url of port '{ctx.port}' is not an http(s) URL; set it again")
    return url


def encode(body: Any) -> bytes:
    """The exact bytes sent (and signed): compact JSON, UTF-8."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date (None if absent or bad)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = moment.timestamp() - time.time()
    return max(0.0, seconds)


async def deliver(ctx: CallContext, body: Any, webhook_id: str) -> httpx.Response:
    """POST ``body`` to the port's URL, signed when the port has a signing secret."""
    url = port_url(ctx)
    content = encode(body)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    secret = ctx.secrets.get("signing_secret")
    if secret:
        headers.update(signed_headers(secret, webhook_id, content))
    else:
        headers["webhook-id"] = webhook_id
    timeout = float(ctx.config.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS)
    try:
        response = await ctx.http.post(url, content=content, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        raise RetryableError(
            f"the receiver of port '{ctx.port}' did not answer within {timeout:g}s", timeout=True
        ) from None
    except httpx.ConnectError:
        raise RetryableError(
            f"could not connect to the receiver of port '{ctx.port}'", retry_safe=True
        ) from None
    except httpx.TransportError as err:
        raise RetryableError(
            f"the connection to the receiver of port '{ctx.port}' failed ({err.__class__.__name__})"
        ) from None
    raise_for_status(response, ctx.port, url)
    return response


def raise_for_status(response: httpx.Response, port: str, url: str) -> None:
    """Map a non-2xx answer to the error the core understands."""
    status = response.status_code
    if 200 <= status < 300:
        return
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status == 429:
        raise RetryableError(
            f"the receiver of port '{port}' is rate limiting (429); nothing was delivered",
            retry_after=retry_after,
            status=status,
            retry_safe=True,
        )
    if status >= 500:
        raise RetryableError(
            f"the receiver of port '{port}' failed ({status})",
            retry_after=retry_after,
            status=status,
        )
    if 300 <= status < 400:
        raise ConnectorError(
            f"the receiver of port '{port}' answered with a redirect ({status}); redirects are "
            "not followed: set the port's url to the final address",
            status=status,
        )
    raise ConnectorError(
        f"the receiver of port '{port}' refused the delivery ({status}){_reason(response, url)}",
        status=status,
    )


def _reason(response: httpx.Response, url: str) -> str:
    """A short excerpt of a JSON error answer (``message``/``error``), without the URL."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    text = body.get("message") or body.get("error") or body.get("detail")
    if not isinstance(text, str | int) or not str(text):
        return ""
    path = httpx.URL(url).path
    excerpt = str(text).replace(url, "[url]")
    if len(path) > 1:
        excerpt = excerpt.replace(path, "[url]")
    return f": {excerpt[:200]}"


def answer(response: httpx.Response) -> Any:
    """The receiver's answer body when it is small JSON, else None."""
    if not response.content or len(response.content) > MAX_RESPONSE_PREVIEW:
        return None
    try:
        return response.json()
    except ValueError:
        return None
