"""Fixtures for the http_api tests: a recording HTTP server on 127.0.0.1 and a runner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from harbor_http_api import HttpApiConnector

from harbor.connector import CheckResult
from harbor.testkit import ConnectorRunner, RecordedRequest, Reply, Upstream

TOKEN = "tok-PLANTED-http-api-5e1f"


class Recorder(Upstream):
    """The outside API: records every request and by default answers 200 with JSON
    ``{"method", "path", "query", "json"}`` (never the request's headers, so a credential
    cannot come back in a result); ``reply`` sets a canned answer for a path prefix."""

    def fallback(self, request: RecordedRequest) -> Reply:
        echo = {
            "method": request["method"],
            "path": request["path"],
            "query": request["query_pairs"],
            "json": request["json"],
        }
        return Reply(200, echo)

    def reply(
        self,
        prefix: str,
        status: int = 200,
        body: Any = b"",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer requests under ``prefix`` with ``status`` and ``body`` (JSON unless bytes)."""
        self.route_prefix(prefix, Reply(status, body, dict(headers or {}), delay))


@pytest.fixture
def server() -> Iterator[Recorder]:
    """A recording HTTP server on 127.0.0.1."""
    with Recorder() as recorder:
        yield recorder


class Runner:
    """Drives the connector directly, through the core's guarded client and the port policy."""

    def __init__(self) -> None:
        self.kit = ConnectorRunner(HttpApiConnector(), port="api")
        self.connector = self.kit.connector

    def execute(
        self,
        config: dict[str, Any],
        definition: dict[str, Any],
        arguments: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
    ) -> Any:
        """Run one ``request`` action and return its result (raises what the connector does)."""
        return self.kit.execute(
            "request", arguments, definition, config=config, secrets=secrets or {}
        )

    def check(self, config: dict[str, Any], secrets: dict[str, str] | None = None) -> CheckResult:
        """Run the connection test."""
        return self.kit.check(config=config, secrets=secrets or {})


@pytest.fixture
def runner() -> Runner:
    """Runs the connector directly on the core's guarded outbound client."""
    return Runner()


@pytest.fixture
def local_config(server: Recorder) -> dict[str, Any]:
    """A bearer-token port config that may reach the recording server."""
    return {
        "base_url": server.url,
        "auth": {"type": "bearer"},
        "allow_private_hosts": ["127.0.0.1"],
    }
