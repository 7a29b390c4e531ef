"""The action kinds of the ``google_calendar`` connector, their scopes, and arguments.

Times are RFC 3339 with an offset (``2026-11-24T10:00:00+01:00``) or, for all-day events,
dates (``2026-11-24``); time zones are IANA names (``Europe/Berlin``). The definition of
the writing kinds says whether Google may e-mail the attendees (``send_updates``, default
``none``): an agent cannot turn invitations on, only the operator who publishes the action.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from harbor.connector import ActionKind, ConnectorError, JSONSchema, Risk

SCOPE = "https://www.googleapis.com/auth/"
READONLY = SCOPE + "calendar.readonly"
EVENTS = SCOPE + "calendar.events"

EVENT_ID_PATTERN = r"^[A-Za-z0-9_]{5,1024}$"  # base32hex; instances add _20261124T090000Z
SEND_UPDATES = ("none", "all", "externalOnly")
MAX_RESULTS_LIMIT = 2500

EMPTY_DEFINITION: JSONSchema = {"type": "object", "properties": {}, "additionalProperties": False}
WRITE_DEFINITION: JSONSchema = {
    "type": "object",
    "properties": {
        "send_updates": {
            "enum": list(SEND_UPDATES),
            "default": "none",
            "description": "Whether Google e-mails the attendees: none (default), all, or "
            "externalOnly (guests outside your organisation)",
        }
    },
    "additionalProperties": False,
}


def _kind(
    title: str, description: str, risk: Risk, idempotent: bool, definition: JSONSchema | None = None
) -> ActionKind:
    return ActionKind(
        title=title,
        description=description,
        definition_schema=dict(definition or EMPTY_DEFINITION),
        default_risk=risk,
        idempotent=idempotent,
    )


ACTION_KINDS: dict[str, ActionKind] = {
    "list_calendars": _kind(
        "List calendars", "GET users/me/calendarList. No arguments.", "read", True
    ),
    "list_events": _kind(
        "List events in a time range",
        "GET calendars/{calendar_id}/events with singleEvents=true and orderBy=startTime. "
        "Arguments: time_min, time_max (RFC 3339 with offset); optional calendar_id, "
        "time_zone, q, max_results, page_token.",
        "read", True,
    ),
    "get_event": _kind(
        "Get an event", "GET calendars/{calendar_id}/events/{event_id}.", "read", True
    ),
    "free_busy": _kind(
        "Query free/busy",
        "POST freeBusy. Arguments: time_min, time_max; optional calendar_ids, time_zone.",
        "read", True,
    ),
    "create_event": _kind(
        "Create an event",
        "POST calendars/{calendar_id}/events. Arguments: summary, start, end (date-time or "
        "date); optional description, location, time_zone, attendees (addresses).",
        "write", False, WRITE_DEFINITION,
    ),
    "update_event": _kind(
        "Update an event",
        "PATCH calendars/{calendar_id}/events/{event_id}: only the fields given change.",
        "write", True, WRITE_DEFINITION,
    ),
    "delete_event": _kind(
        "Delete an event",
        "DELETE calendars/{calendar_id}/events/{event_id}.",
        "destructive", True, WRITE_DEFINITION,
    ),
}  # fmt: skip

KIND_SCOPES: dict[str, tuple[str, ...]] = {
    "list_calendars": (READONLY,),
    "list_events": (READONLY,),
    "get_event": (READONLY,),
    "free_busy": (READONLY,),
    "create_event": (EVENTS,),
    "update_event": (EVENTS,),
    "delete_event": (EVENTS,),
}


# --- Reading arguments ---------------------------------------------------------------------


def text(args: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    """A string argument (None when absent and optional)."""
    value = args.get(name)
    if value is None:
        if required:
            raise ConnectorError(f"the argument '{name}' is required")
        return None
    if not isinstance(value, str):
        raise ConnectorError(f"the argument '{name}' must be a string")
    return value


def instant(args: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    """An RFC 3339 date-time with an offset, as Google wants for timeMin/timeMax."""
    value = text(args, name, required=required)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise ConnectorError(f"'{name}' is not an RFC 3339 date-time: {value[:40]}") from err
    if parsed.tzinfo is None:
        raise ConnectorError(f"'{name}' needs a time zone offset, e.g. 2026-11-24T10:00:00+01:00")
    return parsed.isoformat()


def time_zone(args: Mapping[str, Any], name: str = "time_zone") -> str | None:
    """An IANA time zone name, checked against the system's database."""
    value = text(args, name)
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConnectorError(
            f"'{value[:60]}' is not a known time zone (e.g. Europe/Berlin)"
        ) from err
    return value


def event_time(args: Mapping[str, Any], name: str, zone: str | None) -> dict[str, str] | None:
    """Google's ``start``/``end``: ``{"date"}`` for a day, ``{"dateTime", "timeZone"}``."""
    value = text(args, name)
    if value is None:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return {"date": date.fromisoformat(value).isoformat()}
        except ValueError as err:
            raise ConnectorError(f"'{name}' is not a valid date: {value}") from err
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise ConnectorError(f"'{name}' is not a date or an RFC 3339 date-time") from err
    if parsed.tzinfo is None and zone is None:
        raise ConnectorError(f"'{name}' has no offset: add one or give time_zone")
    shaped = {"dateTime": parsed.isoformat()}
    if zone is not None:
        shaped["timeZone"] = zone
    return shaped


def event_id(args: Mapping[str, Any]) -> str:
    """A Calendar event id (base32hex characters)."""
    value = text(args, "event_id", required=True) or ""
    if not re.fullmatch(EVENT_ID_PATTERN, value):
        raise ConnectorError("the argument 'event_id' is not a Google Calendar event id")
    return value


def strings(args: Mapping[str, Any], name: str) -> list[str]:
    """A list-of-strings argument (empty when absent)."""
    value = args.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConnectorError(f"the argument '{name}' must be a list of strings")
    return list(value)


def max_results(args: Mapping[str, Any]) -> int | None:
    """``max_results``, 1 to 2500."""
    value = args.get("max_results")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_RESULTS_LIMIT:
        raise ConnectorError(f"the argument 'max_results' must be 1 to {MAX_RESULTS_LIMIT}")
    return value


def send_updates(definition: Mapping[str, Any]) -> str:
    """What the published action allows Google to e-mail: ``none`` unless it says so."""
    value = definition.get("send_updates", "none")
    return value if value in SEND_UPDATES else "none"
