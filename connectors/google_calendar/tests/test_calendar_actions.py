"""Each Calendar action kind against the fake Calendar API: the request sent and the result."""

from __future__ import annotations

import ast
from pathlib import Path

import harbor_google_calendar
import pytest
from harbor_google_calendar import GoogleCalendarConnector
from harbor_google_calendar.actions import ACTION_KINDS, EVENTS, KIND_SCOPES, READONLY
from jsonschema import Draft202012Validator

from harbor.connector import AuthFailed, ConnectorError, RetryableError

from .conftest import TOKEN, FakeCalendar, Reply, calendar_event, google_error

EVENTS_PATH = "/calendar/v3/calendars/primary/events"
EVENT_ID = "5r0ci1r8bd6o3hm0ugmo4m7ubs"


def test_the_connector_is_loaded_and_asks_narrow_scopes(harbor_node):
    assert isinstance(harbor_node.connectors["google_calendar"], GoogleCalendarConnector)
    assert harbor_node.plugins.records["google_calendar"].distribution == "harbor-google-calendar"
    Draft202012Validator.check_schema(GoogleCalendarConnector.config_schema)
    assert GoogleCalendarConnector.secret_fields() == ["client_id", "client_secret"]
    oauth = GoogleCalendarConnector.oauth
    assert oauth is not None
    assert set(KIND_SCOPES) == set(ACTION_KINDS)
    assert oauth.scopes_for(["list_events", "free_busy"]) == [READONLY]
    assert oauth.scopes_for(["list_events", "create_event"]) == [EVENTS, READONLY]
    for template in GoogleCalendarConnector.templates:
        Draft202012Validator.check_schema(template.input_schema)
        Draft202012Validator(ACTION_KINDS[template.kind].definition_schema).validate(
            template.definition
        )


def test_the_package_imports_only_the_connector_api_of_harbor():
    allowed = {"harbor.connector", "harbor.hookspecs", "harbor.contracts"}
    for path in Path(harbor_google_calendar.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("harbor."):
                assert node.module in allowed, f"{path.name}: {node.module}"


def test_list_calendars(runner, calendar: FakeCalendar, config):
    calendar.route(
        "GET", "/calendar/v3/users/me/calendarList",
        Reply(200, {"kind": "calendar#calendarList", "etag": '"p33"', "items": [
            {"kind": "calendar#calendarListEntry", "id": "ada@example.com", "summary": "Ada",
             "timeZone": "Europe/Berlin", "accessRole": "owner", "primary": True},
            {"kind": "calendar#calendarListEntry", "id": "team@group.calendar.google.com",
             "summary": "Team", "timeZone": "UTC", "accessRole": "reader"},
        ]}),
    )  # fmt: skip
    result = runner.execute(config, "list_calendars", {})
    assert [c["id"] for c in result["calendars"]] == [
        "ada@example.com",
        "team@group.calendar.google.com",
    ]
    assert result["calendars"][0] == {"id": "ada@example.com", "summary": "Ada",
        "time_zone": "Europe/Berlin", "access_role": "owner", "primary": True}  # fmt: skip
    limited = runner.execute({**config, "calendars": ["primary"]}, "list_calendars", {})
    assert [c["id"] for c in limited["calendars"]] == ["ada@example.com"]


def test_list_events_expands_recurring_events_in_start_order(runner, calendar, config):
    calendar.route(
        "GET", EVENTS_PATH,
        Reply(200, {"kind": "calendar#events", "summary": "ada@example.com",
                    "timeZone": "Europe/Berlin", "nextPageToken": "CigKGjVy",
                    "items": [calendar_event(), calendar_event(f"{EVENT_ID}_20261125T090000Z",
                                                               recurringEventId=EVENT_ID)]}),
    )  # fmt: skip
    result = runner.execute(
        config, "list_events",
        {"time_min": "2026-11-24T00:00:00+01:00", "time_max": "2026-11-26T00:00:00Z",
         "time_zone": "Europe/Berlin", "max_results": 50, "q": "review"},
    )  # fmt: skip
    [request] = calendar.requests
    assert request["query_all"] == {
        "timeMin": ["2026-11-24T00:00:00+01:00"],
        "timeMax": ["2026-11-26T00:00:00+00:00"],
        "singleEvents": ["true"],
        "orderBy": ["startTime"],
        "timeZone": ["Europe/Berlin"],
        "q": ["review"],
        "maxResults": ["50"],
    }
    assert request["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert result["next_page_token"] == "CigKGjVy"
    assert result["events"][1]["recurring_event_id"] == EVENT_ID
    assert result["events"][0]["attendees"][1] == {
        "email": "grace@example.com", "response_status": "needsAction"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"time_min": "2026-11-24T00:00:00", "time_max": "2026-11-25T00:00:00Z"},
         "needs a time zone offset"),
        ({"time_min": "tomorrow", "time_max": "2026-11-25T00:00:00Z"}, "not an RFC 3339"),
        ({"time_min": "2026-11-24T00:00:00Z", "time_max": "2026-11-25T00:00:00Z",
          "time_zone": "Mars/Olympus"}, "not a known time zone"),
        ({"time_max": "2026-11-25T00:00:00Z"}, "'time_min' is required"),
    ],
)  # fmt: skip
def test_bad_times_are_refused_before_sending(runner, calendar, config, arguments, message):
    with pytest.raises(ConnectorError, match=message):
        runner.execute(config, "list_events", arguments)
    assert calendar.requests == []


def test_a_calendar_outside_the_allow_list_is_refused(runner, calendar, config):
    with pytest.raises(ConnectorError, match="not allowed on port cal"):
        runner.execute(
            {**config, "calendars": ["primary"]}, "get_event",
            {"calendar_id": "boss@example.com", "event_id": EVENT_ID},
        )  # fmt: skip
    assert calendar.requests == []


def test_get_event_encodes_the_calendar_id(runner, calendar, config):
    path = f"/calendar/v3/calendars/team%40group.calendar.google.com/events/{EVENT_ID}"
    calendar.route("GET", path, Reply(200, calendar_event()))
    result = runner.execute(
        config, "get_event", {"calendar_id": "team@group.calendar.google.com", "event_id": EVENT_ID}
    )
    assert result["summary"] == "Design review"
    assert result["start"] == {"dateTime": "2026-11-24T10:00:00+01:00", "timeZone": "Europe/Berlin"}


def test_free_busy(runner, calendar, config):
    calendar.route(
        "POST", "/calendar/v3/freeBusy",
        Reply(200, {"kind": "calendar#freeBusy", "timeMin": "2026-11-24T08:00:00.000Z",
                    "timeMax": "2026-11-24T18:00:00.000Z", "calendars": {"primary": {"busy": [
                        {"start": "2026-11-24T09:00:00Z", "end": "2026-11-24T10:00:00Z"}]}}}),
    )  # fmt: skip
    result = runner.execute(
        config, "free_busy",
        {"time_min": "2026-11-24T08:00:00Z", "time_max": "2026-11-24T18:00:00Z",
         "time_zone": "UTC"},
    )  # fmt: skip
    assert calendar.requests[0]["json"] == {
        "timeMin": "2026-11-24T08:00:00+00:00",
        "timeMax": "2026-11-24T18:00:00+00:00",
        "items": [{"id": "primary"}],
        "timeZone": "UTC",
    }
    assert result["calendars"]["primary"]["busy"] == [
        {"start": "2026-11-24T09:00:00Z", "end": "2026-11-24T10:00:00Z"}
    ]


def test_create_event_sends_no_invitations_unless_the_action_allows(runner, calendar, config):
    calendar.route("POST", EVENTS_PATH, Reply(200, calendar_event()))
    arguments = {
        "summary": "Design review", "start": "2026-11-24T10:00:00", "end": "2026-11-24T11:00:00",
        "time_zone": "Europe/Berlin", "attendees": ["grace@example.com"], "location": "Room 4",
    }  # fmt: skip
    runner.execute(config, "create_event", arguments)
    runner.execute(config, "create_event", arguments, definition={"send_updates": "all"})
    first, second = calendar.requests
    assert first["query_all"] == {"sendUpdates": ["none"]}
    assert second["query_all"] == {"sendUpdates": ["all"]}
    assert first["json"] == {
        "summary": "Design review",
        "location": "Room 4",
        "start": {"dateTime": "2026-11-24T10:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-11-24T11:00:00", "timeZone": "Europe/Berlin"},
        "attendees": [{"email": "grace@example.com"}],
    }


def test_an_all_day_event_uses_dates(runner, calendar, config):
    calendar.route("POST", EVENTS_PATH, Reply(200, calendar_event()))
    runner.execute(
        config, "create_event", {"summary": "Off", "start": "2026-12-24", "end": "2026-12-27"}
    )
    body = calendar.requests[0]["json"]
    assert body["start"] == {"date": "2026-12-24"}
    assert body["end"] == {"date": "2026-12-27"}


def test_a_local_time_without_a_zone_is_refused(runner, calendar, config):
    with pytest.raises(ConnectorError, match="has no offset"):
        runner.execute(
            config, "create_event",
            {"summary": "x", "start": "2026-11-24T10:00:00", "end": "2026-11-24T11:00:00"},
        )  # fmt: skip
    assert calendar.requests == []


def test_update_event_patches_only_the_given_fields(runner, calendar, config):
    calendar.route(
        "PATCH", f"{EVENTS_PATH}/{EVENT_ID}", Reply(200, calendar_event(summary="Moved"))
    )
    result = runner.execute(
        config, "update_event",
        {"event_id": EVENT_ID, "summary": "Moved", "start": "2026-11-24T12:00:00+01:00"},
    )  # fmt: skip
    assert result["summary"] == "Moved"
    [request] = calendar.requests
    assert request["method"] == "PATCH"
    assert request["query_all"] == {"sendUpdates": ["none"]}
    assert request["json"] == {
        "summary": "Moved",
        "start": {"dateTime": "2026-11-24T12:00:00+01:00"},
    }


def test_delete_event(runner, calendar, config):
    calendar.route("DELETE", f"{EVENTS_PATH}/{EVENT_ID}", Reply(204))
    assert runner.execute(config, "delete_event", {"event_id": EVENT_ID}) == {
        "id": EVENT_ID,
        "deleted": True,
    }
    assert calendar.requests[0]["query_all"] == {"sendUpdates": ["none"]}


def test_an_event_id_cannot_escape_its_path(runner, calendar, config):
    with pytest.raises(ConnectorError, match="not a Google Calendar event id"):
        runner.execute(config, "delete_event", {"event_id": "../../calendarList"})
    assert calendar.requests == []


def test_google_errors_are_mapped(runner, calendar, config):
    with pytest.raises(ConnectorError, match=r"Not Found \(notFound\)"):
        runner.execute(config, "get_event", {"event_id": EVENT_ID})
    calendar.route(
        "GET", "/calendar/v3/users/me/calendarList",
        Reply(403, google_error(403, "Rate Limit Exceeded", "rateLimitExceeded",
                                "PERMISSION_DENIED")),
    )  # fmt: skip
    with pytest.raises(RetryableError):
        runner.execute(config, "list_calendars", {})
    calendar.route(
        "GET", "/calendar/v3/users/me/calendarList",
        Reply(401, google_error(401, "Invalid Credentials", "authError", "UNAUTHENTICATED")),
    )  # fmt: skip
    with pytest.raises(AuthFailed):
        runner.execute(config, "list_calendars", {})
