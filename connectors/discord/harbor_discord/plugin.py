"""Hook implementations of harbor-discord (named by the ``harbor`` entry point)."""

from __future__ import annotations

from collections.abc import Callable

from harbor.connector import Connector, hookimpl
from harbor_discord.connector import DiscordConnector


@hookimpl
def harbor_register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Provide the ``discord`` connector."""
    register(DiscordConnector)
