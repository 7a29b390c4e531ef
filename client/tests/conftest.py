"""Fixtures for the SDK tests: a real node served by uvicorn on loopback, on both databases.

The node is the core's test node (``harbor.testing``) with the ``loop`` connector of the core
tests, whose port calls a real upstream on 127.0.0.1. Nothing leaves loopback.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import select

from harbor.api.app import create_app
from harbor.node import Node
from harbor.store.calls import Approval
from harbor_client import HarborClient
from tests.api.calls_fixtures import INPUT_SCHEMA
from tests.conftest import (  # noqa: F401 (fixtures shared with the core tests)
    UPSTREAM_TOKEN,
    database_url_for,
    free_port,
    loop_connector,
    postgres_database,
    pytest_collection_modifyitems,
    upstream,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def harbor_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test node's database: SQLite file, or the run's PostgreSQL database."""
    return database_url_for(request, tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    """The async tests run on asyncio."""
    return "asyncio"


@dataclass
class LiveNode:
    """A node on a loopback port, with an operator token and the key of ``test-agent``."""

    url: str
    node: Node
    operator_token: str
    agent_key: str

    def operator(self) -> HarborClient:
        """A synchronous client as the operator."""
        return HarborClient(self.url, self.operator_token)

    def expire_approvals(self) -> None:
        """Make every pending approval due now; the node's dispatcher expires it."""
        with self.node.store.session() as session:
            for approval in session.exec(select(Approval).where(Approval.status == "pending")):
                approval.expires_at = approval.created_at - timedelta(seconds=1)
                session.add(approval)


@pytest.fixture
def live_node(
    harbor_node: Node,
    operator_token: str,
    agent_key: str,
    loop_connector,  # noqa: F811 (the imported fixture)
    upstream,  # noqa: F811 (the imported fixture)
) -> Iterator[LiveNode]:
    """The test node under uvicorn in a thread, with a ready ``up`` port and two actions.

    ``up.read`` (risk read: allowed by default) and ``up.touch`` (risk write: needs approval)
    GET ``/items/<suffix>`` on the loopback upstream.
    """
    port = free_port()
    config = uvicorn.Config(
        create_app(node=harbor_node), host="127.0.0.1", port=port, log_config=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    live = LiveNode(f"http://127.0.0.1:{port}", harbor_node, operator_token, agent_key)
    with live.operator() as operator:
        setup_port(operator, upstream.url)
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def setup_port(operator: HarborClient, upstream_url: str) -> None:
    """Port ``up`` with its token set, and ``up.read`` and ``up.touch`` published."""
    from harbor_client.models import DraftCreate

    config = {"base_url": upstream_url, "allow_private_hosts": ["127.0.0.1"]}
    operator.create_port("up", "loop", config)
    operator.set_port_secret("up", "token", value=UPSTREAM_TOKEN)
    for action, risk in (("read", "read"), ("touch", "write")):
        draft = operator.create_draft(
            "up",
            DraftCreate(
                action=action,
                kind="get",
                description=f"{action} an item",
                risk=risk,
                input_schema=INPUT_SCHEMA,
                definition={"path": "/items"},
            ),
        )
        operator.validate_draft(draft.id)
        operator.publish_draft(draft.id, force=True)


@pytest.fixture
def agent(live_node: LiveNode) -> Iterator[HarborClient]:
    """A synchronous client with the key of ``test-agent`` (scope ``*.*``)."""
    with HarborClient(live_node.url, live_node.agent_key) as client:
        yield client


@pytest.fixture
def operator(live_node: LiveNode) -> Iterator[HarborClient]:
    """A synchronous client as the operator."""
    with live_node.operator() as client:
        yield client


@pytest.fixture
def decide_soon(operator: HarborClient) -> Iterator[Callable[..., threading.Thread]]:
    """Decide the next pending approval from another thread while the test waits on a call."""
    started: list[threading.Thread] = []

    def decide(verdict: str = "approve", **options: object) -> threading.Thread:
        def run() -> None:
            with HarborClient(operator.url, operator.key) as other:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    pending = other.list_approvals()
                    if pending:
                        getattr(other, verdict)(pending[0].id, **options)
                        return
                    time.sleep(0.05)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        started.append(thread)
        return thread

    yield decide
    for thread in started:
        thread.join(timeout=10)
