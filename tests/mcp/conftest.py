"""A live node on loopback with published actions, and the ``mcp`` SDK's client to reach it.

Every test here runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from harbor.api.app import create_app
from harbor.node import Node
from tests.api.calls_fixtures import make_port, publish
from tests.conftest import database_url_for, serving


@pytest.fixture(params=["sqlite", "postgresql"])
def harbor_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test node's database: SQLite file, or the run's PostgreSQL database."""
    return database_url_for(request, tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    """The MCP tests run on asyncio, like the node."""
    return "asyncio"


@dataclass
class LiveNode:
    """A node served by uvicorn on 127.0.0.1 with ``up.read_item``, ``up.touch``, ``up.wipe``."""

    url: str
    node: Node
    operator: httpx.Client
    agent_key: str

    @property
    def mcp_url(self) -> str:
        """The streamable HTTP endpoint."""
        return f"{self.url}/mcp"

    def audit_of(self, call_id: str) -> list[dict[str, Any]]:
        """The audit events of one call, oldest first."""
        page = self.operator.get("/api/v1/audit", params={"call": call_id, "limit": 50}).json()
        return list(reversed(page["events"]))

    def new_agent(self, name: str, scopes: list[str]) -> str:
        """Create another agent; returns its key."""
        created = self.operator.post("/api/v1/agents", json={"name": name, "scopes": scopes})
        assert created.status_code == 201, created.text
        return str(created.json()["key"]["key"])


@pytest.fixture
def live(harbor_node, operator_token, agent_key, loop_connector, upstream) -> Iterator[LiveNode]:
    """The test node on loopback: ``up`` reaches the loopback upstream; three actions published.

    The default policy allows ``up.read_item`` (read), asks for approval of ``up.touch``
    (write) and denies ``up.wipe`` (destructive). Approvals wait at most 20 s in MCP.
    """
    harbor_node.settings.mcp_approval_wait_seconds = 20
    # Open MCP streams would hold a graceful shutdown for long: give them 2 s.
    with serving(create_app(node=harbor_node), timeout_graceful_shutdown=2) as url:
        operator = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {operator_token}"}, timeout=30
        )
        make_port(operator, upstream.url)
        for action, risk in (("read_item", "read"), ("touch", "write"), ("wipe", "destructive")):
            publish(operator, "up", action, risk)
        try:
            yield LiveNode(url=url, node=harbor_node, operator=operator, agent_key=agent_key)
        finally:
            operator.close()


def http_client(key: str) -> httpx2.AsyncClient:
    """The HTTP client an MCP host would use: the agent key as a Bearer token."""
    return httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {key}"},
        timeout=httpx2.Timeout(30, read=120),
    )


@pytest.fixture
def mcp_client(live: LiveNode) -> Callable[..., AbstractAsyncContextManager[Client]]:
    """``async with mcp_client(mode) as client``: the SDK's client over streamable HTTP.

    ``mode="legacy"`` speaks the 2025-11-25 handshake (what ``mcp`` 1.x hosts speak),
    ``mode="auto"`` discovers and adopts the stateless 2026-07-28 revision. ``key`` defaults
    to the test agent's.
    """

    @asynccontextmanager
    async def connect(mode: str, key: str | None = None, **options: Any) -> AsyncIterator[Client]:
        async with http_client(key or live.agent_key) as http:
            transport = streamable_http_client(live.mcp_url, http_client=http)
            async with Client(transport, mode=mode, **options) as client:
                yield client

    return connect
