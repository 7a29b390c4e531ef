"""The ``google_calendar`` connector: a Google account's calendars, with OAuth on the node.

The core runs the OAuth flow and keeps the tokens: the port asks only for
``calendar.readonly`` unless a writing action is published (then ``calendar.events``).
An optional ``calendars`` allow-list limits which calendars the port may touch.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from harbor_google_common.oauth import connection_properties, google_oauth

from harbor.connector import (
    CallContext,
    CheckResult,
    Connector,
    ConnectorError,
    InvalidDefinition,
    JSONSchema,
)
from harbor_google_calendar import actions, api
from harbor_google_calendar.actions import ACTION_KINDS, KIND_SCOPES, READONLY
from harbor_google_calendar.api import DEFAULT_API_BASE_URL
from harbor_google_calendar.templates import TEMPLATES

ADDRESS = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"

CONFIG_SCHEMA: JSONSchema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Google Calendar port",
    "type": "object",
    "properties": {
        **connection_properties("Calendar API", DEFAULT_API_BASE_URL),
        "calendars": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 255},
            "uniqueItems": True,
            "description": "When set, the only calendar ids this port may touch ('primary', "
            "team@group.calendar.google.com, ...). Unset: any calendar of the account",
        },
        "default_time_zone": {
            "type": "string",
            "description": "IANA time zone used when an argument gives none (e.g. Europe/Berlin)",
        },
    },
    "required": ["client_id", "client_secret"],
    "additionalProperties": False,
}

Args = dict[str, Any]
Handler = Callable[[CallContext, Args, Args], Awaitable[Any]]


def _calendar(ctx: CallContext, a: Args, name: str = "calendar_id") -> str:
    """The calendar an action works on (``primary`` by default), checked on the allow-list."""
    calendar = actions.text(a, name) or "primary"
    allowed = ctx.config.get("calendars")
    if allowed and calendar not in allowed:
        raise ConnectorError(f"the calendar {calendar} is not allowed on port {ctx.port}")
    return calendar


def _zone(ctx: CallContext, a: Args) -> str | None:
    return actions.time_zone(a) or actions.time_zone(ctx.config, "default_time_zone")


def event(item: Mapping[str, Any]) -> dict[str, Any]:
    """The useful fields of a Calendar event."""
    return {
        "id": item.get("id"),
        "status": item.get("status"),
        "summary": item.get("summary", ""),
        "description": item.get("description", ""),
        "location": item.get("location", ""),
        "start": item.get("start"),
        "end": item.get("end"),
        "html_link": item.get("htmlLink"),
        "organizer": (item.get("organizer") or {}).get("email"),
        "attendees": [
            {"email": a.get("email"), "response_status": a.get("responseStatus")}
            for a in item.get("attendees") or []
        ],
        "recurring_event_id": item.get("recurringEventId"),
    }


async def _list_calendars(ctx: CallContext, d: Args, a: Args) -> Any:
    answer = await api.send(ctx, "GET", api.api_path("users", "me", "calendarList")) or {}
    allowed = ctx.config.get("calendars")
    return {
        "calendars": [
            {"id": c.get("id"), "summary": c.get("summary"), "time_zone": c.get("timeZone"),
             "access_role": c.get("accessRole"), "primary": bool(c.get("primary"))}
            for c in answer.get("items", [])
            if not allowed or c.get("id") in allowed or (c.get("primary") and "primary" in allowed)
        ]
    }  # fmt: skip


async def _list_events(ctx: CallContext, d: Args, a: Args) -> Any:
    params = {
        "timeMin": actions.instant(a, "time_min", required=True),
        "timeMax": actions.instant(a, "time_max", required=True),
        "singleEvents": "true",
        "orderBy": "startTime",
        "timeZone": _zone(ctx, a),
        "q": actions.text(a, "q"),
        "maxResults": actions.max_results(a),
        "pageToken": actions.text(a, "page_token"),
    }
    path = api.api_path("calendars", _calendar(ctx, a), "events")
    page = await api.send(ctx, "GET", path, params=params) or {}
    return {
        "events": [event(item) for item in page.get("items", [])],
        "time_zone": page.get("timeZone"),
        "next_page_token": page.get("nextPageToken"),
    }


async def _get_event(ctx: CallContext, d: Args, a: Args) -> Any:
    path = api.api_path("calendars", _calendar(ctx, a), "events", actions.event_id(a))
    return event(await api.send(ctx, "GET", path, params={"timeZone": _zone(ctx, a)}))


async def _free_busy(ctx: CallContext, d: Args, a: Args) -> Any:
    calendars = actions.strings(a, "calendar_ids") or ["primary"]
    for calendar in calendars:
        _calendar(ctx, {"calendar_id": calendar})
    body = {
        "timeMin": actions.instant(a, "time_min", required=True),
        "timeMax": actions.instant(a, "time_max", required=True),
        "items": [{"id": c} for c in calendars],
    }
    zone = _zone(ctx, a)
    if zone:
        body["timeZone"] = zone
    answer = await api.send(ctx, "POST", api.api_path("freeBusy"), body=body) or {}
    return {
        "time_min": answer.get("timeMin"),
        "time_max": answer.get("timeMax"),
        "calendars": {
            cid: {"busy": entry.get("busy", []), "errors": entry.get("errors", [])}
            for cid, entry in (answer.get("calendars") or {}).items()
        },
    }


def _event_body(ctx: CallContext, a: Args, *, creating: bool) -> dict[str, Any]:
    zone = _zone(ctx, a)
    body: dict[str, Any] = {}
    for field in ("summary", "description", "location"):
        value = actions.text(a, field, required=creating and field == "summary")
        if value is not None:
            body[field] = value
    for field in ("start", "end"):
        shaped = actions.event_time(a, field, zone)
        if shaped is None and creating:
            raise ConnectorError(f"the argument '{field}' is required")
        if shaped is not None:
            body[field] = shaped
    if "attendees" in a:
        addresses = actions.strings(a, "attendees")
        for address in addresses:
            if not _is_address(address):
                raise ConnectorError(f"'{address[:80]}' is not a plain e-mail address")
        body["attendees"] = [{"email": address} for address in addresses]
    if not body:
        raise ConnectorError("nothing to change: give at least one field")
    return body


def _is_address(value: str) -> bool:
    return re.fullmatch(ADDRESS, value) is not None


async def _create_event(ctx: CallContext, d: Args, a: Args) -> Any:
    path = api.api_path("calendars", _calendar(ctx, a), "events")
    params = {"sendUpdates": actions.send_updates(d)}
    body = _event_body(ctx, a, creating=True)
    return event(await api.send(ctx, "POST", path, params=params, body=body))


async def _update_event(ctx: CallContext, d: Args, a: Args) -> Any:
    path = api.api_path("calendars", _calendar(ctx, a), "events", actions.event_id(a))
    params = {"sendUpdates": actions.send_updates(d)}
    body = _event_body(ctx, a, creating=False)
    return event(await api.send(ctx, "PATCH", path, params=params, body=body))


async def _delete_event(ctx: CallContext, d: Args, a: Args) -> Any:
    event_id = actions.event_id(a)
    path = api.api_path("calendars", _calendar(ctx, a), "events", event_id)
    await api.send(ctx, "DELETE", path, params={"sendUpdates": actions.send_updates(d)})
    return {"id": event_id, "deleted": True}


HANDLERS: dict[str, Handler] = {
    "list_calendars": _list_calendars,
    "list_events": _list_events,
    "get_event": _get_event,
    "free_busy": _free_busy,
    "create_event": _create_event,
    "update_event": _update_event,
    "delete_event": _delete_event,
}


class GoogleCalendarConnector(Connector):
    """Google Calendar through the Calendar API, with OAuth tokens held by the node."""

    type = "google_calendar"
    title = "Google Calendar"
    description = (
        "List, create, update and delete events and query free/busy in a Google account's "
        "calendars. Connect it once in the browser with your own Google OAuth client."
    )
    config_schema = CONFIG_SCHEMA
    action_kinds = ACTION_KINDS
    templates = TEMPLATES
    oauth = google_oauth(KIND_SCOPES, fallback_scopes=(READONLY,))

    def validate_definition(self, kind: str, definition: dict[str, Any]) -> None:
        """Only the known kinds."""
        if kind not in ACTION_KINDS:
            raise InvalidDefinition(f"the google_calendar connector has no action kind {kind!r}")

    async def execute(
        self, ctx: CallContext, definition: dict[str, Any], arguments: dict[str, Any]
    ) -> Any:
        """Run the kind's request with the port's access token."""
        handler = HANDLERS.get(ctx.kind or "")
        if handler is None:
            raise ConnectorError(f"the google_calendar connector has no action kind {ctx.kind!r}")
        return await handler(ctx, definition or {}, arguments)

    async def check(self, ctx: CallContext) -> CheckResult:
        """List the calendars (readable with calendar.readonly)."""
        found = await _list_calendars(ctx, {}, {})
        return CheckResult(ok=True, message=f"{len(found['calendars'])} calendar(s) visible")
