"""Fixtures for the google_calendar tests: a fake Calendar API on 127.0.0.1 and a runner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from harbor_google_calendar import GoogleCalendarConnector

from harbor.testkit import ConnectorRunner, RecordedRequest, Reply, Upstream

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


class FakeCalendar(Upstream):
    """The Calendar API on 127.0.0.1, recording requests; unrouted paths get Google's 404."""

    json_type = "application/json; charset=UTF-8"

    def gate(self, request: RecordedRequest) -> Reply | None:
        if request["headers"].get("authorization") == f"Bearer {TOKEN}":
            return None
        return Reply(401, google_error(401, "Request had invalid authentication "
                     "credentials.", "authError", "UNAUTHENTICATED"))  # fmt: skip

    def fallback(self, request: RecordedRequest) -> Reply:
        return Reply(404, google_error(404, "Not Found", "notFound", "NOT_FOUND"))


@pytest.fixture
def calendar() -> Iterator[FakeCalendar]:
    """A fake Calendar API on 127.0.0.1."""
    with FakeCalendar() as fake:
        yield fake


class Runner:
    """Drives the connector directly, through the core's guarded client and the port policy."""

    def __init__(self) -> None:
        self.kit = ConnectorRunner(
            GoogleCalendarConnector(), port="cal", base_secrets={"access_token": TOKEN}
        )
        self.connector = self.kit.connector

    def execute(
        self,
        config: dict[str, Any],
        kind: str,
        arguments: dict[str, Any],
        definition: dict[str, Any] | None = None,
    ) -> Any:
        """Run one action of ``kind`` with the access token the core would resolve."""
        return self.kit.execute(kind, arguments, definition, config=config)


@pytest.fixture
def runner() -> Runner:
    """Runs the connector directly on the core's guarded outbound client."""
    return Runner()


@pytest.fixture
def config(calendar: FakeCalendar) -> dict[str, Any]:
    """A port config on the fake Calendar API."""
    return {"api_base_url": calendar.url, "allow_private_hosts": ["127.0.0.1"]}
