"""Hook implementations of harbor-gmail (named by the ``harbor`` entry point)."""

from __future__ import annotations

from collections.abc import Callable

from harbor.connector import Connector, hookimpl
from harbor_gmail.connector import GmailConnector


@hookimpl
def harbor_register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Provide the ``gmail`` connector."""
    register(GmailConnector)
