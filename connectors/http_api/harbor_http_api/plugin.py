"""Hook implementations of harbor-http-api (named by the ``harbor`` entry point)."""

from __future__ import annotations

from collections.abc import Callable

from harbor.connector import Connector, hookimpl
from harbor_http_api.connector import HttpApiConnector


@hookimpl
def harbor_register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Provide the ``http_api`` connector."""
    register(HttpApiConnector)
