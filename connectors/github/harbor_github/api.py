"""Talking to the GitHub REST API: the allow-list, requests, pagination and errors.

Every request goes through the core's guarded client (``ctx.http``) to the port's
``api_base_url``, with GitHub's media type, API version and the port's token. Error messages
carry GitHub's own ``message`` with the token blanked out, never the token itself.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import quote

import httpx

from harbor.connector import AuthFailed, CallContext, ConnectorError, RetryableError

DEFAULT_API_BASE_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
USER_AGENT = "harbor-github"
TIMEOUT_SECONDS = 30.0
MESSAGE_CHARS = 300
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)


# --- The allow-list -------------------------------------------------------------------------


def allowed_patterns(config: Mapping[str, Any]) -> list[str]:
    """The port's ``repositories`` allow-list."""
    return [str(p) for p in config.get("repositories") or []]


def is_allowed(config: Mapping[str, Any], owner: str, repo: str) -> bool:
    """Whether ``owner/repo`` matches the allow-list (case-insensitive, as GitHub is)."""
    full = f"{owner}/{repo}".lower()
    return any(fnmatchcase(full, pattern.lower()) for pattern in allowed_patterns(config))


def require_allowed(config: Mapping[str, Any], owner: str, repo: str, port: str) -> None:
    """Refuse a repository outside the allow-list, before anything is sent."""
    if not is_allowed(config, owner, repo):
        raise ConnectorError(
            f"the repository {owner}/{repo} is not in the repositories allowed on port {port}"
        )


def first_plain_repository(config: Mapping[str, Any]) -> str | None:
    """The first allow-list entry without a wildcard, for the connection test."""
    for pattern in allowed_patterns(config):
        if not any(c in pattern for c in "*?["):
            return pattern
    return None


# --- Requests -------------------------------------------------------------------------------


def repo_path(owner: str, repo: str, *rest: str | int) -> str:
    """``/repos/{owner}/{repo}/...`` with every segment percent-encoded."""
    segments = ["repos", owner, repo, *(str(part) for part in rest)]
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


def base_url(config: Mapping[str, Any]) -> str:
    """The port's REST API root, without a trailing slash."""
    return str(config.get("api_base_url") or DEFAULT_API_BASE_URL).rstrip("/")


def token(ctx: CallContext) -> str:
    """The port's token, or an error naming the secret to set."""
    value = ctx.secrets.get("token")
    if not value:
        raise ConnectorError(
            f"the port needs its token: set it with PUT /api/v1/ports/{ctx.port}/secrets/token"
        )
    return value


def headers(ctx: CallContext) -> dict[str, str]:
    """GitHub's recommended headers and the port's token."""
    return {
        "Accept": MEDIA_TYPE,
        "X-GitHub-Api-Version": API_VERSION,
        "User-Agent": USER_AGENT,
        "Authorization": f"Bearer {token(ctx)}",
    }


async def send(
    ctx: CallContext,
    method: str,
    url: str | httpx.URL,
    *,
    params: Mapping[str, Any] | None = None,
    body: Any = None,
) -> httpx.Response:
    """One request through the core's client; a non-2xx answer raises the mapped error."""
    url = httpx.URL(url)
    host = url.host
    extra: dict[str, Any] = {} if body is None else {"json": body}
    try:
        response = await ctx.http.request(
            method,
            url,
            params={k: v for k, v in (params or {}).items() if v is not None} or None,
            headers=headers(ctx),
            timeout=TIMEOUT_SECONDS,
            **extra,
        )
    except httpx.TimeoutException as err:
        raise RetryableError(
            f"{host} did not answer within {TIMEOUT_SECONDS:g}s", timeout=True
        ) from err
    except httpx.ConnectError as err:
        raise RetryableError(f"could not connect to {host}", retry_safe=True) from err
    except httpx.TransportError as err:
        raise RetryableError(f"the connection to {host} failed ({err.__class__.__name__})") from err
    except httpx.HTTPError as err:
        raise ConnectorError(f"the request to {host} failed ({err.__class__.__name__})") from err
    if not 200 <= response.status_code < 300:
        raise_for_status(response, method, ctx.secrets.get("token"))
    return response


def json_of(response: httpx.Response) -> Any:
    """The JSON body of a successful answer."""
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as err:
        raise ConnectorError(
            f"GitHub answered {response.status_code} with a body that is not JSON"
        ) from err


# --- Errors ---------------------------------------------------------------------------------


def github_message(response: httpx.Response, secret: str | None) -> str:
    """GitHub's ``message`` (and 422 field errors), shortened, with the token blanked out."""
    try:
        document = response.json()
    except ValueError:
        document = None
    parts: list[str] = []
    if isinstance(document, dict):
        if isinstance(document.get("message"), str):
            parts.append(document["message"])
        for error in document.get("errors") or []:
            if isinstance(error, dict):
                detail = error.get("message") or " ".join(
                    str(error[k]) for k in ("resource", "field", "code") if error.get(k)
                )
                if detail:
                    parts.append(str(detail))
            elif isinstance(error, str):
                parts.append(error)
    else:
        parts.append(response.text[: MESSAGE_CHARS * 2])
    message = " ".join("; ".join(parts).split())[:MESSAGE_CHARS]
    if secret:
        message = message.replace(secret, "[redacted]")
    return message


def rate_limit_wait(response: httpx.Response) -> float | None:
    """Seconds until GitHub lets the token try again, if this answer is a rate limit."""
    remaining = response.headers.get("x-ratelimit-remaining")
    if remaining is not None and remaining.strip() == "0":
        try:
            reset = float(response.headers.get("x-ratelimit-reset", ""))
        except ValueError:
            return 60.0
        return max(reset - time.time(), 0.0)
    retry_after = response.headers.get("retry-after")
    if retry_after is not None:
        try:
            seconds = float(retry_after)
        except ValueError:
            return 60.0
        return max(seconds, 0.0) if math.isfinite(seconds) else 60.0
    return None


def raise_for_status(response: httpx.Response, method: str, secret: str | None) -> None:
    """Turn a non-2xx answer into the error that tells the core what to do next."""
    status = response.status_code
    said = f"GitHub answered {status} to {method} {response.url.path}"
    detail = github_message(response, secret)
    message = f"{said}: {detail}" if detail else said
    if status == 401:
        raise AuthFailed(f"{message} (the port's token was rejected)", status=status)
    if status in (403, 429):
        wait = rate_limit_wait(response)
        if wait is not None or status == 429:
            raise RetryableError(
                f"{message} (rate limited)", retry_after=wait, status=status, retry_safe=True
            )
    if status >= 500:
        raise RetryableError(message, status=status)
    raise ConnectorError(message, status=status)


# --- Pagination -----------------------------------------------------------------------------


def next_link(response: httpx.Response) -> str | None:
    """The ``rel="next"`` URL of GitHub's ``Link`` header, if there is one."""
    match = _LINK_NEXT.search(response.headers.get("link", ""))
    return match.group(1) if match else None


def same_origin(url: str, base: str) -> bool:
    """Whether ``url`` is on the API root's scheme, host and port (the token goes with it)."""
    a, b = httpx.URL(url), httpx.URL(base)
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port) and not a.userinfo


async def get_pages(
    ctx: CallContext,
    path: str,
    params: Mapping[str, Any],
    max_pages: int,
    items_key: str | None = None,
) -> tuple[list[Any], bool, Any]:
    """Read up to ``max_pages`` pages; return the items, whether more remain, the last page."""
    root = base_url(ctx.config)
    response = await send(ctx, "GET", root + path, params=params)
    items: list[Any] = []
    page = 1
    while True:
        document = json_of(response)
        batch = (
            document.get(items_key, []) if items_key and isinstance(document, dict) else document
        )
        if not isinstance(batch, list):
            raise ConnectorError(f"GitHub answered {path} with an unexpected shape")
        items.extend(batch)
        link = next_link(response)
        if link is None:
            return items, False, document
        if page >= max_pages or not same_origin(link, root):
            return items, True, document
        response = await send(ctx, "GET", link)
        page += 1
