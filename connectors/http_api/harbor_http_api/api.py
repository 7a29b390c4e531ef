"""Building one request from a definition, sending it, and mapping the answer.

Every value an argument puts into the URL is checked here, before anything is sent: a path
value becomes one percent-encoded segment, and the finished URL must keep the base URL's
scheme, host, port and path prefix. Error messages name the host and the status, never the
URL's query or a credential.
"""

from __future__ import annotations

import base64
import codecs
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote

import httpx

from harbor.connector import AuthFailed, CallContext, ConnectorError, RetryableError
from harbor_http_api.actions import Placeholder, exact_placeholder, parse_template

DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_RESPONSE_BYTES = 10_485_760
ERROR_SNIPPET_CHARS = 300
_ABSENT = object()


@dataclass
class OutgoingRequest:
    """A request ready to send (``secret_values``: what must never appear in a message)."""

    method: str
    url: httpx.URL
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = _ABSENT
    secret_values: list[str] = field(default_factory=list)


# --- Filling templates ----------------------------------------------------------------------


def as_text(value: Any) -> str:
    """An argument as it appears inside a string: JSON spelling for non-strings."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def fill_text(template: str, arguments: Mapping[str, Any], where: str) -> str:
    """``template`` with each placeholder replaced by its argument as text."""
    out: list[str] = []
    for part in parse_template(template):
        if isinstance(part, Placeholder):
            out.append(as_text(_argument(arguments, part.name, where)))
        else:
            out.append(part)
    return "".join(out)


def fill_json(template: Any, arguments: Mapping[str, Any], where: str = "body") -> Any:
    """A JSON body template filled from the arguments; absent exact placeholders drop out."""
    name = exact_placeholder(template)
    if name is not None:
        return arguments.get(name, _ABSENT)
    if isinstance(template, str):
        return fill_text(template, arguments, where)
    if isinstance(template, dict):
        filled = {key: fill_json(item, arguments, where) for key, item in template.items()}
        return {key: item for key, item in filled.items() if item is not _ABSENT}
    if isinstance(template, list):
        items = (fill_json(item, arguments, where) for item in template)
        return [item for item in items if item is not _ABSENT]
    return template


def _argument(arguments: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in arguments or arguments[name] is None:
        raise ConnectorError(f"the argument '{name}' is needed for the {where} and is missing")
    return arguments[name]


# --- The URL --------------------------------------------------------------------------------


def path_segment(value: Any, name: str) -> str:
    """One argument as exactly one path segment; refuse values meant to leave the path."""
    text = as_text(value)
    decoded = text
    for _ in range(3):  # undo double and triple encoding before judging
        decoded = unquote(decoded)
    pieces = decoded.replace("\\", "/").split("/")
    if not text or any(piece in (".", "..") for piece in pieces):
        raise ConnectorError(f"the argument '{name}' is not a valid path segment")
    lowered = decoded.lower()
    if "://" in lowered or decoded.startswith(("//", "@")) or "\\\\" in decoded:
        raise ConnectorError(f"the argument '{name}' looks like a URL, not a path segment")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
        raise ConnectorError(f"the argument '{name}' holds control characters")
    return quote(text, safe="")


def build_url(base_url: str, path_template: str, arguments: Mapping[str, Any]) -> httpx.URL:
    """``base_url`` + the filled path, checked to stay on the base URL's origin and path."""
    path: list[str] = []
    for part in parse_template(path_template):
        if isinstance(part, Placeholder):
            path.append(path_segment(_argument(arguments, part.name, "path"), part.name))
        else:
            path.append(part)
    base = httpx.URL(base_url)
    url = httpx.URL(base_url.rstrip("/") + "".join(path))
    base_path = base.path.rstrip("/") + "/"
    same_origin = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
    segments = [unquote(s) for s in url.raw_path.decode("ascii").split("?")[0].split("/")]
    if (
        not same_origin
        or not (url.path + "/").startswith(base_path)
        or any(s in (".", "..") for s in segments)
        or url.userinfo
    ):
        raise ConnectorError("the request URL would leave the port's base URL; refused")
    return url


# --- Auth, query and headers ----------------------------------------------------------------


def build_request(
    config: Mapping[str, Any],
    secrets: Mapping[str, str],
    definition: Mapping[str, Any],
    arguments: Mapping[str, Any],
    port: str,
) -> OutgoingRequest:
    """The request a definition and its arguments describe, credentials added last."""
    request = OutgoingRequest(
        method=definition["method"],
        url=build_url(config["base_url"], definition["path"], arguments),
    )
    for name, template in definition.get("query", {}).items():
        request.params.extend((name, value) for value in _query_values(template, arguments))
    request.headers.update(config.get("default_headers", {}))
    for name, template in definition.get("headers", {}).items():
        value = _header_value(template, arguments, name)
        if value is not None:
            request.headers[name] = value
    if "body" in definition:
        request.body = fill_json(definition["body"], arguments)  # _ABSENT: no body
    apply_auth(request, config, secrets, port)
    return request


def _query_values(template: Any, arguments: Mapping[str, Any]) -> list[str]:
    if not isinstance(template, str):
        return [as_text(template)]
    name = exact_placeholder(template)
    if name is None:
        return [fill_text(template, arguments, "query")]
    value = arguments.get(name)
    if value is None:
        return []
    if isinstance(value, dict):
        raise ConnectorError(f"the argument '{name}' is an object; a query value cannot be one")
    return [as_text(item) for item in value] if isinstance(value, list) else [as_text(value)]


def _header_value(template: str, arguments: Mapping[str, Any], header: str) -> str | None:
    name = exact_placeholder(template)
    if name is not None and arguments.get(name) is None:
        return None
    value = fill_text(template, arguments, f"header {header}")
    if any(c in value for c in "\r\n\0"):
        raise ConnectorError(f"the header {header} would hold a line break; refused")
    return value


def apply_auth(
    request: OutgoingRequest, config: Mapping[str, Any], secrets: Mapping[str, str], port: str
) -> None:
    """Add the port's credentials; they win over any header or parameter of the same name."""
    auth = config.get("auth") or {"type": "none"}
    kind = auth.get("type", "none")
    if kind == "none":
        return
    secret_name = {"bearer": "bearer_token", "basic": "basic_password", "api_key": "api_key"}[kind]
    secret = secrets.get(secret_name)
    if not secret:
        raise ConnectorError(
            f"auth type {kind} needs the secret {secret_name}: set it with "
            f"PUT /api/v1/ports/{port}/secrets/{secret_name}"
        )
    request.secret_values.append(secret)
    if kind == "bearer":
        _set_header(request, "Authorization", f"Bearer {secret}")
    elif kind == "basic":
        token = base64.b64encode(f"{auth['username']}:{secret}".encode()).decode("ascii")
        request.secret_values.append(token)
        _set_header(request, "Authorization", f"Basic {token}")
    elif auth.get("in", "header") == "query":
        request.params = [(k, v) for k, v in request.params if k != auth["name"]]
        request.params.append((auth["name"], secret))
    else:
        _set_header(request, auth["name"], secret)


def _set_header(request: OutgoingRequest, name: str, value: str) -> None:
    for existing in [h for h in request.headers if h.lower() == name.lower()]:
        del request.headers[existing]
    request.headers[name] = value


# --- Sending and reading --------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A response with its body read up to a cap."""

    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool
    reason: str


async def send(ctx: CallContext, request: OutgoingRequest, max_bytes: int) -> Answer:
    """Send through the core's client and read at most ``max_bytes`` of the body."""
    host = request.url.host
    timeout = float(ctx.config.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))
    extra: dict[str, Any] = {} if request.body is _ABSENT else {"json": request.body}
    try:
        async with ctx.http.stream(
            request.method,
            request.url,
            params=tuple(request.params) or None,
            headers=request.headers,
            timeout=timeout,
            **extra,
        ) as response:
            body, truncated = await _read_capped(response, max_bytes)
            return Answer(
                response.status_code, response.headers, body, truncated, response.reason_phrase
            )
    except httpx.TimeoutException as err:
        raise RetryableError(f"{host} did not answer within {timeout:g}s", timeout=True) from err
    except httpx.ConnectError as err:
        raise RetryableError(f"could not connect to {host}", retry_safe=True) from err
    except httpx.TransportError as err:
        raise RetryableError(f"the connection to {host} failed ({err.__class__.__name__})") from err
    except httpx.HTTPError as err:
        raise ConnectorError(f"the request to {host} failed ({err.__class__.__name__})") from err


async def _read_capped(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            return b"".join(chunks)[:max_bytes], True
    return b"".join(chunks), False


# --- Mapping the answer ---------------------------------------------------------------------


def is_accepted(status: int, accept: list[int | str] | None) -> bool:
    """Whether ``status`` counts as success (default: 200-299)."""
    if not accept:
        return 200 <= status < 300
    return any(item == status or item == f"{status // 100}xx" for item in accept)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def raise_for_answer(answer: Answer, request: OutgoingRequest) -> None:
    """Turn a non-accepted answer into the error that tells the core what to do next."""
    host, status = request.url.host, answer.status
    said = f"{request.method} {host} answered {status} {answer.reason}".rstrip()
    detail = _snippet(answer, request.secret_values)
    message = f"{said}: {detail}" if detail else said
    if status == 401:
        raise AuthFailed(f"{said}: the service rejected the port's credentials", status=status)
    if status == 403:
        raise ConnectorError(f"{said}: the credentials may not do this", status=status)
    if status == 429 or status >= 500:
        raise RetryableError(
            message,
            status=status,
            retry_after=retry_after_seconds(answer.headers.get("Retry-After")),
            retry_safe=status == 429,
        )
    raise ConnectorError(message, status=status)


def _snippet(answer: Answer, secret_values: list[str]) -> str:
    """The start of an error body, for the agent, with every credential blanked out."""
    text = answer.body[: ERROR_SNIPPET_CHARS * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())[:ERROR_SNIPPET_CHARS]
    for secret in secret_values:
        text = text.replace(secret, "[redacted]")
        text = text.replace(quote(secret, safe=""), "[redacted]")
    return text


def shape_result(answer: Answer, pick: Mapping[str, str] | None, max_bytes: int, host: str) -> Any:
    """The call's result: parsed JSON (optionally picked), else ``{"status", "text"}``."""
    content_type = answer.headers.get("Content-Type", "").lower()
    if answer.body and "json" in content_type:
        if answer.truncated:
            raise ConnectorError(f"the JSON answer of {host} is larger than {max_bytes} bytes")
        try:
            document = json.loads(answer.body)
        except ValueError:
            document = _ABSENT
        if document is not _ABSENT:
            if pick:
                return {name: resolve_pointer(document, ptr) for name, ptr in pick.items()}
            return document
    result: dict[str, Any] = {
        "status": answer.status,
        "text": answer.body.decode(_charset(content_type), errors="replace"),
    }
    if answer.truncated:
        result["truncated"] = True
    return result


def _charset(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key == "charset" and value:
            try:
                return codecs.lookup(value.strip('"')).name
            except LookupError:
                break
    return "utf-8"


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 JSON pointer, or ``None`` when there is none."""
    if pointer == "":
        return document
    current = document
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            if token != "0" and token.startswith("0"):
                return None
            current = current[int(token)]
        else:
            return None
    return current
