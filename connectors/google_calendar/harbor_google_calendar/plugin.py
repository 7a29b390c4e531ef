"""Hook implementations of harbor-google-calendar (named by the ``harbor`` entry point)."""

from __future__ import annotations

from collections.abc import Callable

from harbor.connector import Connector, hookimpl
from harbor_google_calendar.connector import GoogleCalendarConnector


@hookimpl
def harbor_register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Provide the ``google_calendar`` connector."""
    register(GoogleCalendarConnector)
