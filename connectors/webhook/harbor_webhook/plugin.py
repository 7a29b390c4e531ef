"""Hook implementations of harbor-webhook (named by the ``harbor`` entry point)."""

from __future__ import annotations

from collections.abc import Callable

from harbor.connector import Connector, hookimpl
from harbor_webhook.connector import WebhookConnector


@hookimpl
def harbor_register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Provide the ``webhook`` connector."""
    register(WebhookConnector)
