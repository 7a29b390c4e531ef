"""A Harbor node in a subprocess of the main environment's Python, and ``mcp`` 1.x sessions.

``HARBOR_MCP_NODE_PYTHON`` names that interpreter (tox sets it to the ``py`` environment's);
without it these tests fail, they never skip.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

NODE_PYTHON_ENV = "HARBOR_MCP_NODE_PYTHON"
SERVE_NODE = Path(__file__).with_name("serve_node.py")
INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"text": {"type": "string", "maxLength": 40}},
    "required": ["text"],
    "additionalProperties": False,
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def node_python() -> str:
    """The main test environment's interpreter, where harbor and mcp 2.x are installed."""
    python = os.environ.get(NODE_PYTHON_ENV, "")
    if not python or not os.access(python, os.X_OK):
        pytest.fail(
            f"{NODE_PYTHON_ENV} must name the Python of an environment with harbor installed "
            f"(got {python!r}); tox sets it to the py environment's: run `tox -e py` first"
        )
    return python


@dataclass
class LegacyNode:
    """The running node: its URL, an operator client and the agent's key."""

    url: str
    python: str
    operator: httpx.Client
    agent_key: str
    home: Path

    def audit_of(self, call_id: str) -> list[dict[str, Any]]:
        """The audit events of one call, oldest first."""
        page = self.operator.get("/api/v1/audit", params={"call": call_id, "limit": 50}).json()
        return list(reversed(page["events"]))

    def publish(self, action: str, risk: str) -> None:
        """Publish ``echo.<action>`` (forced past the test run)."""
        draft = self.operator.post(
            "/api/v1/ports/echo/drafts",
            json={
                "action": action,
                "kind": "echo",
                "description": f"Echo the text ({risk})",
                "risk": risk,
                "input_schema": INPUT_SCHEMA,
                "definition": {},
            },
        )
        assert draft.status_code == 201, draft.text
        draft_id = draft.json()["id"]
        assert self.operator.post(f"/api/v1/drafts/{draft_id}/validate", json={}).is_success
        published = self.operator.post(f"/api/v1/drafts/{draft_id}/publish", json={"force": True})
        assert published.status_code == 200, published.text

    def set_state(self, action: str, state: str) -> None:
        """Enable, disable or archive ``echo.<action>``."""
        changed = self.operator.patch(f"/api/v1/ports/echo/actions/{action}", json={"state": state})
        assert changed.status_code == 200, changed.text


def _start(python: str, home: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARBOR_")}
    command = [python, str(SERVE_NODE), str(free_port()), str(home)]
    log = (home / "node.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(10)
        pytest.fail(f"the node did not start:\n{(home / 'node.log').read_text()}")
    info: dict[str, str] = json.loads(line)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{info['url']}/api/v1/health", timeout=1)
            return process, info
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    pytest.fail(f"the node did not answer:\n{(home / 'node.log').read_text()}")


@pytest.fixture
def legacy_node(node_python: str, tmp_path: Path) -> Iterator[LegacyNode]:
    """A fresh node with port ``echo``: ``say`` (read), ``note`` (write), ``erase`` (destructive).

    The default policy runs ``say``, asks for approval of ``note`` and denies ``erase``.
    """
    process, info = _start(node_python, tmp_path)
    operator = httpx.Client(
        base_url=info["url"],
        headers={"Authorization": f"Bearer {info['operator_token']}"},
        timeout=30,
    )
    try:
        created = operator.post("/api/v1/ports", json={"name": "echo", "connector": "echo"})
        assert created.status_code == 201, created.text
        agent = operator.post("/api/v1/agents", json={"name": "legacy-agent", "scopes": ["echo.*"]})
        assert agent.status_code == 201, agent.text
        node = LegacyNode(info["url"], node_python, operator, agent.json()["key"]["key"], tmp_path)
        for action, risk in (("say", "read"), ("note", "write"), ("erase", "destructive")):
            node.publish(action, risk)
        yield node
    finally:
        operator.close()
        process.terminate()
        process.wait(10)


@pytest.fixture
def anyio_backend() -> str:
    """asyncio, as the mcp 1.x client expects."""
    return "asyncio"


@pytest.fixture(params=["http", "stdio"])
def transport(request: pytest.FixtureRequest) -> str:
    """Streamable HTTP to /mcp, or ``harbor mcp`` launched over stdio."""
    return str(request.param)


@asynccontextmanager
async def _streams(node: LegacyNode, transport: str) -> AsyncIterator[tuple[Any, Any]]:
    if transport == "http":
        headers = {"Authorization": f"Bearer {node.agent_key}"}
        timeout = httpx.Timeout(30, read=300)
        async with (
            httpx.AsyncClient(headers=headers, timeout=timeout) as http,
            streamable_http_client(f"{node.url}/mcp", http_client=http) as (read, write, _),
        ):
            yield read, write
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARBOR_")}
    env |= {
        "HARBOR_URL": node.url,
        "HARBOR_KEY": node.agent_key,
        "HARBOR_CONFIG_DIR": str(node.home / "stdio-config"),
        "HARBOR_DATA_DIR": str(node.home / "stdio-data"),
    }
    params = StdioServerParameters(command=node.python, args=["-m", "harbor", "mcp"], env=env)
    async with stdio_client(params) as (read, write):
        yield read, write


@pytest.fixture
def open_session(legacy_node: LegacyNode, transport: str) -> Any:
    """``async with open_session(message_handler=None) as session``: an initialized 1.x session."""

    @asynccontextmanager
    async def connect(**options: Any) -> AsyncIterator[ClientSession]:
        async with (
            _streams(legacy_node, transport) as (read, write),
            ClientSession(read, write, **options) as session,
        ):
            await session.initialize()
            yield session

    return connect
