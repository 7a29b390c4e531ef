"""Hook implementations of harbor-github (named by the ``harbor`` entry point)."""

from __future__ import annotations

from collections.abc import Callable

from harbor.connector import Connector, hookimpl
from harbor_github.connector import GitHubConnector


@hookimpl
def harbor_register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Provide the ``github`` connector."""
    register(GitHubConnector)
