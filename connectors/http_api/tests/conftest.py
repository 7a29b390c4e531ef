"""Fixtures for the http_api tests: a recording HTTP server on 127.0.0.1 and a runner."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from harbor_http_api import HttpApiConnector

from harbor.connector import CallContext, CheckResult

TOKEN = "tok-PLANTED-http-api-5e1f"


@dataclass
class Reply:
    """A canned answer for requests whose path starts with a prefix."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Recorder:
    """A real HTTP server on 127.0.0.1 that records every request it receives.

    By default it answers 200 with JSON ``{"method", "path", "query", "json"}`` (never the
    request's headers, so a credential cannot come back in a result); ``reply`` sets a canned
    answer for a path prefix.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: dict[str, Reply] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                seen = {
                    "method": self.command,
                    "path": split.path,
                    "raw_path": self.path,
                    "query": parse_qsl(split.query, keep_blank_values=True),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": raw,
                }
                recorder.requests.append(seen)
                for prefix, reply in recorder.replies.items():
                    if split.path.startswith(prefix):
                        time.sleep(reply.delay)
                        self._send(reply.status, reply.body, reply.headers)
                        return
                echo = {
                    "method": self.command,
                    "path": split.path,
                    "query": seen["query"],
                    "json": json.loads(raw) if raw else None,
                }
                self._send(200, json.dumps(echo).encode(), {"Content-Type": "application/json"})

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle  # noqa: N815

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reply(
        self,
        prefix: str,
        status: int = 200,
        body: Any = b"",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer requests under ``prefix`` with ``status`` and ``body`` (JSON unless bytes)."""
        headers = dict(headers or {})
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        self.replies[prefix] = Reply(status, body, headers, delay)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[Recorder]:
    """A recording HTTP server on 127.0.0.1."""
    recorder = Recorder()
    yield recorder
    recorder.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Runner:
    """Drives the connector directly, through the node's guarded client and the port policy."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.connector = HttpApiConnector()

    async def _with_ctx(self, config: dict[str, Any], secrets: dict[str, str], use: Any) -> Any:
        from harbor.runtime.outbound import OutboundPolicy, client_for

        policy = OutboundPolicy.from_config(config)
        async with client_for(self.node.outbound(), policy) as http:
            ctx = CallContext(port="api", config=config, secrets=secrets, http=http, kind="request")
            return await use(ctx)

    def execute(
        self,
        config: dict[str, Any],
        definition: dict[str, Any],
        arguments: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
    ) -> Any:
        """Run one ``request`` action and return its result (raises what the connector does)."""

        async def use(ctx: CallContext) -> Any:
            return await self.connector.execute(ctx, definition, arguments or {})

        return asyncio.run(self._with_ctx(config, secrets or {}, use))

    def check(self, config: dict[str, Any], secrets: dict[str, str] | None = None) -> CheckResult:
        """Run the connection test."""

        async def use(ctx: CallContext) -> CheckResult:
            return await self.connector.check(ctx)

        result: CheckResult = asyncio.run(self._with_ctx(config, secrets or {}, use))
        return result


@pytest.fixture
def runner(harbor_node: Any) -> Runner:
    """Runs the connector directly on the test node's outbound client."""
    return Runner(harbor_node)


@pytest.fixture
def local_config(server: Recorder) -> dict[str, Any]:
    """A bearer-token port config that may reach the recording server."""
    return {
        "base_url": server.url,
        "auth": {"type": "bearer"},
        "allow_private_hosts": ["127.0.0.1"],
    }
