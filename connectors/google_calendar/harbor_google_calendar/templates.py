"""Ready-to-use actions an operator adds to a ``google_calendar`` port in one step."""

from __future__ import annotations

from typing import Any

from harbor.connector import ActionTemplate, JSONSchema, Risk
from harbor_google_calendar.actions import EVENT_ID_PATTERN

INSTANT: JSONSchema = {
    "type": "string",
    "format": "date-time",
    "description": "RFC 3339 with an offset, e.g. 2026-11-24T09:00:00+01:00",
}
WHEN: JSONSchema = {
    "type": "string",
    "maxLength": 40,
    "description": "2026-11-24T10:00:00+01:00, or 2026-11-24 for an all-day event",
}
CALENDAR: JSONSchema = {
    "type": "string",
    "maxLength": 255,
    "description": "Calendar id; 'primary' (the default) is the account's own calendar",
}
EVENT_ID: JSONSchema = {"type": "string", "pattern": EVENT_ID_PATTERN}
ZONE: JSONSchema = {"type": "string", "maxLength": 64, "description": "IANA time zone"}
ATTENDEES: JSONSchema = {
    "type": "array",
    "items": {"type": "string", "format": "email", "maxLength": 254},
    "maxItems": 50,
}
EVENT_FIELDS: dict[str, JSONSchema] = {
    "calendar_id": CALENDAR,
    "summary": {"type": "string", "maxLength": 500},
    "description": {"type": "string", "maxLength": 8000},
    "location": {"type": "string", "maxLength": 500},
    "start": WHEN,
    "end": WHEN,
    "time_zone": ZONE,
    "attendees": ATTENDEES,
}


def _schema(properties: dict[str, JSONSchema], required: list[str] | None = None) -> JSONSchema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": False,
    }


def _template(
    name: str, description: str, risk: Risk, schema: JSONSchema, definition: dict[str, Any]
) -> ActionTemplate:
    return ActionTemplate(name, name, description, risk, schema, definition)


TEMPLATES: list[ActionTemplate] = [
    _template("list_calendars", "List the account's calendars.", "read", _schema({}), {}),
    _template(
        "list_events", "List events between two instants, recurring ones expanded, in order.",
        "read",
        _schema({"calendar_id": CALENDAR, "time_min": INSTANT, "time_max": INSTANT,
                 "time_zone": ZONE, "q": {"type": "string", "maxLength": 200},
                 "max_results": {"type": "integer", "minimum": 1, "maximum": 250},
                 "page_token": {"type": "string", "maxLength": 500}},
                ["time_min", "time_max"]),
        {},
    ),
    _template(
        "get_event", "Read one event.", "read",
        _schema({"calendar_id": CALENDAR, "event_id": EVENT_ID, "time_zone": ZONE}, ["event_id"]),
        {},
    ),
    _template(
        "free_busy", "When is the calendar busy between two instants?", "read",
        _schema({"calendar_ids": {"type": "array", "items": CALENDAR, "maxItems": 20},
                 "time_min": INSTANT, "time_max": INSTANT, "time_zone": ZONE},
                ["time_min", "time_max"]),
        {},
    ),
    _template(
        "create_event", "Put an event in the calendar (attendees are not e-mailed).", "write",
        _schema(EVENT_FIELDS, ["summary", "start", "end"]), {"send_updates": "none"},
    ),
    _template(
        "update_event", "Change an event's fields (attendees are not e-mailed).", "write",
        _schema({**EVENT_FIELDS, "event_id": EVENT_ID}, ["event_id"]), {"send_updates": "none"},
    ),
    _template(
        "delete_event", "Delete an event (attendees are not e-mailed).", "destructive",
        _schema({"calendar_id": CALENDAR, "event_id": EVENT_ID}, ["event_id"]),
        {"send_updates": "none"},
    ),
]  # fmt: skip
