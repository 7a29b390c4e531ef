"""Fixtures for the gmail tests: a fake Gmail API (and Google OAuth) on 127.0.0.1, a runner."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
from harbor_gmail import GmailConnector

from harbor.connector import CallContext

TOKEN = "ya29.PLANTED-gmail-access-token"
REFRESH = "1//PLANTED-gmail-refresh-token"
CLIENT_ID = "1234-abc.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-PLANTED-client-secret"


def b64url(text: str) -> str:
    """Gmail's body encoding: base64url without padding."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def google_error(code: int, message: str, reason: str, status: str) -> dict[str, Any]:
    """Google's JSON error body (``{"error": {...}}``)."""
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }


UNAUTHENTICATED = google_error(
    401,
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential.",
    "authError",
    "UNAUTHENTICATED",
)
NOT_FOUND = google_error(404, "Requested entity was not found.", "notFound", "NOT_FOUND")


def full_message(message_id: str = "18c2a4f5e6d7b8a9") -> dict[str, Any]:
    """A message in the shape of GET users/me/messages/{id}?format=full."""
    return {
        "id": message_id,
        "threadId": "18c2a4f5e6d7b8a0",
        "labelIds": ["UNREAD", "IMPORTANT", "CATEGORY_PERSONAL", "INBOX"],
        "snippet": "Hi Ada, the invoice for November is attached.",
        "sizeEstimate": 48213,
        "historyId": "987654",
        "internalDate": "1763900000000",
        "payload": {
            "partId": "",
            "mimeType": "multipart/mixed",
            "filename": "",
            "headers": [
                {"name": "From", "value": "Grace Hopper <grace@example.com>"},
                {"name": "To", "value": "ada@example.org"},
                {"name": "Subject", "value": "Invoice — November"},
                {"name": "Date", "value": "Sun, 23 Nov 2026 12:13:20 +0000"},
                {"name": "Message-ID", "value": "<CAF=abc@mail.gmail.com>"},
                {"name": "Content-Type", "value": 'multipart/mixed; boundary="000b"'},
            ],
            "body": {"size": 0},
            "parts": [
                {
                    "partId": "0",
                    "mimeType": "multipart/alternative",
                    "filename": "",
                    "headers": [],
                    "body": {"size": 0},
                    "parts": [
                        {
                            "partId": "0.0",
                            "mimeType": "text/plain",
                            "filename": "",
                            "headers": [
                                {"name": "Content-Type", "value": 'text/plain; charset="UTF-8"'}
                            ],
                            "body": {
                                "size": 52,
                                "data": b64url("Hi Ada,\r\nthe invoice is attached. Grüße\r\n"),
                            },
                        },
                        {
                            "partId": "0.1",
                            "mimeType": "text/html",
                            "filename": "",
                            "headers": [],
                            "body": {"size": 60, "data": b64url("<p>Hi Ada</p>")},
                        },
                    ],
                },
                {
                    "partId": "1",
                    "mimeType": "application/pdf",
                    "filename": "invoice-11.pdf",
                    "headers": [{"name": "Content-Disposition", "value": "attachment"}],
                    "body": {"attachmentId": "ANGjdJ8-attachment-id", "size": 48000},
                },
            ],
        },
    }


@dataclass
class Reply:
    """An answer of the fake: status, JSON body and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[dict[str, Any]], Reply]


class FakeGoogle:
    """Gmail's REST API (and Google's OAuth endpoints) on 127.0.0.1, recording requests.

    ``route(method, path, reply)`` answers one method and exact path. Unrouted requests
    get Google's 404 body. ``/authorize`` redirects straight back with a code, ``/token``
    issues :data:`TOKEN` for it (and :data:`REFRESH`), ``/revoke`` accepts any token.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.routes: dict[tuple[str, str], Route] = {}
        self.token_requests: list[dict[str, str]] = []
        self.granted_scope = ""
        self.valid_token = TOKEN  # set to something else: the user revoked access
        fake = self

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
                    "query": parse_qs(split.query, keep_blank_values=True),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "raw": raw,
                    "json": json.loads(raw) if raw and raw[:1] in b"{[" else None,
                }
                fake.requests.append(seen)
                reply = fake.answer(seen)
                body = b"" if reply.body is None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json; charset=UTF-8", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def answer(self, seen: dict[str, Any]) -> Reply:
        """The reply to one recorded request."""
        if seen["path"] == "/authorize":
            query = {k: v[0] for k, v in seen["query"].items()}
            self.granted_scope = query.get("scope", "")
            back = urlencode({"code": "4/0AQlEd8-code", "state": query["state"]})
            return Reply(302, None, {"Location": f"{query['redirect_uri']}?{back}"})
        if seen["path"] == "/token":
            form = dict(parse_qsl(seen["raw"].decode()))
            self.token_requests.append(form)
            token = {"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer",
                     "scope": self.granted_scope}  # fmt: skip
            if form.get("grant_type") == "authorization_code":
                token["refresh_token"] = REFRESH
            return Reply(200, token)
        if seen["path"] == "/revoke":
            return Reply(200, {})
        if seen["headers"].get("authorization") != f"Bearer {self.valid_token}":
            return Reply(
                401,
                UNAUTHENTICATED,
                {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            )
        route = self.routes.get((seen["method"], seen["path"]))
        return Reply(404, NOT_FOUND) if route is None else route(seen)

    def route(self, method: str, path: str, reply: Reply | Route) -> None:
        """Answer ``method path`` with ``reply`` (or what ``reply(request)`` returns)."""
        self.routes[(method, path)] = reply if callable(reply) else (lambda _seen: reply)

    def api_requests(self) -> list[dict[str, Any]]:
        """The requests to the Gmail API (not the OAuth endpoints)."""
        return [r for r in self.requests if r["path"].startswith("/gmail/")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    """A fake Gmail API and Google OAuth server on 127.0.0.1."""
    fake = FakeGoogle()
    yield fake
    fake.close()


class Runner:
    """Drives the connector directly, through the node's guarded client and the port policy."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.connector = GmailConnector()

    def execute(
        self,
        config: dict[str, Any],
        kind: str,
        arguments: dict[str, Any],
        definition: dict[str, Any] | None = None,
        token: str = TOKEN,
    ) -> Any:
        """Run one action of ``kind`` with the access token the core would resolve."""
        from harbor.runtime.outbound import OutboundPolicy, client_for

        async def run() -> Any:
            async with client_for(self.node.outbound(), OutboundPolicy.from_config(config)) as http:
                ctx = CallContext(
                    port="mail", config=config, secrets={"access_token": token}, http=http,
                    kind=kind,
                )  # fmt: skip
                try:
                    return await self.connector.execute(ctx, definition or {}, arguments)
                finally:
                    await self.node.aclose()

        return asyncio.run(run())


@pytest.fixture
def runner(harbor_node: Any) -> Runner:
    """Runs the connector directly on the test node's outbound client."""
    return Runner(harbor_node)


@pytest.fixture
def config(google: FakeGoogle) -> dict[str, Any]:
    """A port config on the fake Google (OAuth endpoints included)."""
    return {
        "api_base_url": google.url,
        "oauth_authorize_url": f"{google.url}/authorize",
        "oauth_token_url": f"{google.url}/token",
        "oauth_revoke_url": f"{google.url}/revoke",
        "allow_private_hosts": ["127.0.0.1"],
    }
