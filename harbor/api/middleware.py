"""Pure ASGI middleware: request ids, the Host/Origin guard, and the body size limit.

Written as plain ASGI rather than BaseHTTPMiddleware so they add almost nothing per request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harbor.api.problems import problem_response
from harbor.errors import Forbidden, HarborError, InternalError, InvalidRequest, PayloadTooLarge
from harbor.logs import request_id_var

log = logging.getLogger("harbor.api")
access_log = logging.getLogger("harbor.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _reject(scope: Scope, receive: Receive, send: Send, err: HarborError) -> None:
    await problem_response(err, scope.get("path"))(scope, receive, send)


class RequestContextMiddleware:
    """Gives every request an id (``X-Request-ID``), in logs, problems and the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)

        started = False
        status = 500
        began = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answer here, inside the request's context, so the 500 carries its request id.
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            err = InternalError("an unexpected error happened; the node's log has the details")
            await _reject(scope, receive, send_with_id, err)
        finally:
            access_log.info(
                "%s %s %s",
                scope.get("method"),
                scope.get("path"),
                status,
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - began) * 1000, 2),
                },
            )
            request_id_var.reset(token)


def host_name(value: str) -> str:
    """The host part of a Host header or netloc, lower-case, without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class HostGuardMiddleware:
    """Defends a node on loopback against DNS rebinding and cross-site requests.

    The ``Host`` header must name the node (its listen address, a loopback name, or an
    ``allowed_hosts`` entry). A state-changing request must not come from another site:
    when the browser sends ``Origin`` it must be the node itself, and
    ``Sec-Fetch-Site: cross-site`` is refused.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(host_name(h) for h in allowed_hosts if h)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        err = self.check(scope)
        if err is not None:
            await _reject(scope, receive, send, err)
            return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> HarborError | None:
        """The error to answer with, or None when the request may proceed."""
        host = _header(scope, b"host") or ""
        if host_name(host) not in self.allowed:
            return InvalidRequest(
                f"host '{host_name(host)}' is not a name of this node; "
                "if it is, add it to allowed_hosts (HARBOR_ALLOWED_HOSTS)"
            )
        if scope.get("method") not in STATE_CHANGING:
            return None
        if (_header(scope, b"sec-fetch-site") or "").lower() == "cross-site":
            return Forbidden("cross-site requests cannot change anything on this node")
        origin = _header(scope, b"origin")
        if origin and origin != "null" and urlsplit(origin).netloc.lower() != host.lower():
            return Forbidden(f"requests from origin {origin} cannot change this node")
        if origin == "null":
            return Forbidden("requests from an opaque origin cannot change this node")
        return None


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _reject(scope, receive, send, self._error())
            return
        seen = 0

        async def counting_receive() -> Message:
            # Raised inside the endpoint's body read, so the app's HarborError handler
            # renders it like any other problem.
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise self._error()
            return message

        await self.app(scope, counting_receive, send)

    def _error(self) -> HarborError:
        return PayloadTooLarge(f"the request body is larger than {self.max_bytes} bytes")
