"""A real HTTP server on 127.0.0.1 that plays an outside service in tests."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypedDict
from urllib.parse import parse_qsl, urlsplit


class RecordedRequest(TypedDict):
    """One request the upstream received, as the connector sent it."""

    method: str
    path: str
    raw_path: str
    """The path with its query string, exactly as sent."""
    query: dict[str, str]
    """The query parameters (the last value wins when a name repeats)."""
    query_all: dict[str, list[str]]
    """Every value of each query parameter (``?a=1&a=2`` gives ``{"a": ["1", "2"]}``)."""
    query_pairs: list[tuple[str, str]]
    """Every query parameter in order, repeats included."""
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    json: Any
    """The body parsed as JSON, or None when it is empty or not JSON."""


@dataclass
class Reply:
    """An answer of the upstream. ``body`` is sent as is when bytes, else as JSON."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (to exercise timeouts)."""

    def encoded(self, json_type: str = "application/json") -> tuple[bytes, dict[str, str]]:
        """The body bytes and the headers to send, with ``json_type`` when it is JSON."""
        headers = dict(self.headers)
        if isinstance(self.body, bytes):
            return self.body, headers
        if self.body is None:
            return b"", headers
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = json_type
        return json.dumps(self.body).encode(), headers


Responder = Callable[[RecordedRequest], Reply]
"""A function that answers a recorded request."""


class Upstream:
    """An HTTP server on 127.0.0.1 that records every request and answers from a script.

    An answer is chosen in this order: the next queued reply (:meth:`queue`), :meth:`gate`
    (override it to refuse requests without the right credential), a route for the exact
    method and path (:meth:`route`), a route for a path prefix (:meth:`route_prefix`,
    longest first), then :meth:`fallback` — 404 with an empty body unless a subclass or
    ``fallback=`` says otherwise. ``default_headers`` are added to every answer, and a JSON
    body is sent as ``json_type``.
    """

    json_type = "application/json"

    def __init__(
        self,
        fallback: Responder | None = None,
        default_headers: dict[str, str] | None = None,
    ) -> None:
        self.requests: list[RecordedRequest] = []
        self.default_headers = dict(default_headers or {})
        self._routes: dict[tuple[str, str], Responder] = {}
        self._prefixes: dict[tuple[str | None, str], Responder] = {}
        self._queued: list[Reply] = []
        self._fallback = fallback
        self._arrived = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.port: int = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # --- scripting ----------------------------------------------------------------------------

    def route(self, method: str, path: str, reply: Reply | Responder) -> None:
        """Answer ``method path`` with ``reply``, or with what ``reply(request)`` returns."""
        self._routes[(method.upper(), path)] = _responder(reply)

    def route_prefix(
        self, prefix: str, reply: Reply | Responder, method: str | None = None
    ) -> None:
        """Answer every path under ``prefix`` (for any method unless ``method`` is given)."""
        self._prefixes[(method.upper() if method else None, prefix)] = _responder(reply)

    def queue(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order, whatever their path."""
        with self._arrived:
            self._queued.extend(replies)

    def gate(self, request: RecordedRequest) -> Reply | None:
        """An answer that comes before any route (a 401 for a bad token, say), or None."""
        return None

    def fallback(self, request: RecordedRequest) -> Reply:
        """The answer when nothing else matched: override or pass ``fallback=``."""
        if self._fallback is not None:
            return self._fallback(request)
        return Reply(404)

    # --- reading what arrived -----------------------------------------------------------------

    def wait_for(self, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until ``count`` requests arrived; AssertionError after ``timeout`` seconds."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(
                    f"the upstream received {len(self.requests)} requests, not {count}"
                )
            return list(self.requests)

    def close(self) -> None:
        """Stop the server and free its port."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Upstream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- serving ------------------------------------------------------------------------------

    def answer(self, request: RecordedRequest) -> Reply:
        """The reply to one request (called on the server's thread)."""
        with self._arrived:
            self.requests.append(request)
            queued = self._queued.pop(0) if self._queued else None
            self._arrived.notify_all()
        if queued is not None:
            return queued
        refused = self.gate(request)
        if refused is not None:
            return refused
        exact = self._routes.get((request["method"], request["path"]))
        if exact is not None:
            return exact(request)
        for (method, prefix), responder in sorted(
            self._prefixes.items(), key=lambda item: len(item[0][1]), reverse=True
        ):
            if request["path"].startswith(prefix) and method in (None, request["method"]):
                return responder(request)
        return self.fallback(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        upstream = self

        # HTTP/1.0: one connection per request. A kept-alive connection would stay in the
        # node's pool and be reused from another event loop by the next TestClient request.
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass  # the test output is not the place for an access log

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                reply = upstream.answer(_record(self, raw))
                if reply.delay:
                    time.sleep(reply.delay)
                body, headers = reply.encoded(upstream.json_type)
                self.send_response(reply.status)
                for name, value in {**upstream.default_headers, **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle  # noqa: N815

        return Handler


def _responder(reply: Reply | Responder) -> Responder:
    if isinstance(reply, Reply):
        return lambda _request: reply
    return reply


def _record(handler: BaseHTTPRequestHandler, raw: bytes) -> RecordedRequest:
    split = urlsplit(handler.path)
    pairs = parse_qsl(split.query, keep_blank_values=True)
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return RecordedRequest(
        method=handler.command,
        path=split.path,
        raw_path=handler.path,
        query=dict(pairs),
        query_all=grouped,
        query_pairs=pairs,
        headers={name.lower(): value for name, value in handler.headers.items()},
        body=raw,
        json=_json_or_none(raw),
    )


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (to test refused connects)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
