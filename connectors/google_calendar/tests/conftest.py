"""Fixtures for the google_calendar tests: a fake Calendar API on 127.0.0.1 and a runner."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from harbor_google_calendar import GoogleCalendarConnector

from harbor.connector import CallContext

TOKEN = "ya29.PLANTED-calendar-access-token"


def google_error(code: int, message: str, reason: str, status: str) -> dict[str, Any]:
    """Google's JSON error body."""
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }


def calendar_event(event_id: str = "5r0ci1r8bd6o3hm0ugmo4m7ubs", **extra: Any) -> dict[str, Any]:
    """An event in the shape of GET calendars/{id}/events/{eventId}."""
    return {
        "kind": "calendar#event",
        "etag": '"3398213254726000"',
        "id": event_id,
        "status": "confirmed",
        "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
        "created": "2026-11-20T09:12:03.000Z",
        "updated": "2026-11-20T09:12:03.363Z",
        "summary": "Design review",
        "location": "Room 4",
        "creator": {"email": "ada@example.com", "self": True},
        "organizer": {"email": "ada@example.com", "self": True},
        "start": {"dateTime": "2026-11-24T10:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-11-24T11:00:00+01:00", "timeZone": "Europe/Berlin"},
        "iCalUID": f"{event_id}@google.com",
        "sequence": 0,
        "attendees": [
            {"email": "ada@example.com", "organizer": True, "self": True,
             "responseStatus": "accepted"},
            {"email": "grace@example.com", "responseStatus": "needsAction"},
        ],
        "reminders": {"useDefault": True},
        "eventType": "default",
        **extra,
    }  # fmt: skip


@dataclass
class Reply:
    """An answer of the fake: status, JSON body and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[dict[str, Any]], Reply]


class FakeCalendar:
    """The Calendar API on 127.0.0.1, recording requests; unrouted paths get Google's 404."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.routes: dict[tuple[str, str], Route] = {}
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
                    "raw_path": split.path,
                    "query": parse_qs(split.query, keep_blank_values=True),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": json.loads(raw) if raw else None,
                }
                fake.requests.append(seen)
                if seen["headers"].get("authorization") != f"Bearer {TOKEN}":
                    reply = Reply(401, google_error(401, "Request had invalid authentication "
                                  "credentials.", "authError", "UNAUTHENTICATED"))  # fmt: skip
                else:
                    route = fake.routes.get((self.command, split.path))
                    reply = (
                        Reply(404, google_error(404, "Not Found", "notFound", "NOT_FOUND"))
                        if route is None
                        else route(seen)
                    )
                body = b"" if reply.body is None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                for name, value in {"Content-Type": "application/json; charset=UTF-8",
                                    **reply.headers}.items():  # fmt: skip
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

    def route(self, method: str, path: str, reply: Reply | Route) -> None:
        """Answer ``method path`` with ``reply`` (or what ``reply(request)`` returns)."""
        self.routes[(method, path)] = reply if callable(reply) else (lambda _seen: reply)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def calendar() -> Iterator[FakeCalendar]:
    """A fake Calendar API on 127.0.0.1."""
    fake = FakeCalendar()
    yield fake
    fake.close()


class Runner:
    """Drives the connector directly, through the node's guarded client and the port policy."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.connector = GoogleCalendarConnector()

    def execute(
        self,
        config: dict[str, Any],
        kind: str,
        arguments: dict[str, Any],
        definition: dict[str, Any] | None = None,
    ) -> Any:
        """Run one action of ``kind`` with the access token the core would resolve."""
        from harbor.runtime.outbound import OutboundPolicy, client_for

        async def run() -> Any:
            async with client_for(self.node.outbound(), OutboundPolicy.from_config(config)) as http:
                ctx = CallContext(
                    port="cal", config=config, secrets={"access_token": TOKEN}, http=http,
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
def config(calendar: FakeCalendar) -> dict[str, Any]:
    """A port config on the fake Calendar API."""
    return {"api_base_url": calendar.url, "allow_private_hosts": ["127.0.0.1"]}
