"""The Get started guide works as written: its commands, taken from the pages, run in order on a
fresh node and end with an agent's call that waited for approval, was approved and succeeded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import database_url_for
from tests.docs.pages import nav_section, shell_blocks

#: The ports the pages use; the test swaps in free ones so it runs next to a real node.
PAGE_NODE_PORT = "8765"
PAGE_SHOP_PORT = "9000"
#: What the guide must keep doing, so a page cannot quietly lose a step.
REQUIRED_STEPS = (
    "harbor serve",
    "harbor init",
    "harbor ports create",
    "harbor drafts publish",
    "harbor agents create",
    "HarborClient",
    'StdioServerParameters(command="harbor", args=["mcp"]',
    "harbor policies add require_approval",
    "harbor call",
    "harbor approvals approve",
)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def guide_script(node_port: int, shop_port: int) -> str:
    """Every runnable shell block of the Get started pages, in nav order, as one script."""
    pages = nav_section("Get started")
    assert pages, "the Get started section of mkdocs.yml lists no pages"
    blocks = [block for page in pages for block in shell_blocks(page)]
    script = "\n".join(blocks)
    missing = [step for step in REQUIRED_STEPS if step not in script]
    assert missing == [], f"the Get started pages lost these steps: {missing}"
    script = script.replace(PAGE_NODE_PORT, str(node_port)).replace(PAGE_SHOP_PORT, str(shop_port))
    return "set -euo pipefail\n" + script


@dataclass
class GuideRun:
    """The finished run of the guide: its output and the node it left running."""

    output: str
    url: str
    config_dir: Path


@pytest.fixture(params=["sqlite", "postgresql"])
def harbor_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """SQLite: the reader's default, nothing set. PostgreSQL: a reader whose shell has
    HARBOR_DATABASE_URL set (Operator guide), following the same pages."""
    return None if request.param == "sqlite" else database_url_for(request, tmp_path)


def clean_environment(tmp_path: Path, node_port: int, database_url: str | None) -> dict[str, str]:
    """The reader's shell: Harbor on PATH, no HARBOR_* settings but a data dir of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARBOR_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # Where a reader's node keeps its files by default (~/.local/share/harbor, ...), here.
    env["HARBOR_DATA_DIR"] = str(tmp_path / "data")
    env["HARBOR_CONFIG_DIR"] = str(tmp_path / "config")
    env["HARBOR_PORT"] = str(node_port)  # the page's `harbor serve` uses the default port
    if database_url:
        env["HARBOR_DATABASE_URL"] = database_url
    return env


@pytest.fixture
def guide_run(tmp_path: Path, harbor_database_url: str | None) -> Iterator[GuideRun]:
    """Run the guide in a fresh directory; stop what it started in the background afterwards."""
    node_port, shop_port = free_port(), free_port()
    workdir = tmp_path / "reader"
    workdir.mkdir()
    process = subprocess.Popen(
        ["bash", "-c", guide_script(node_port, shop_port)],
        cwd=workdir,
        env=clean_environment(tmp_path, node_port, harbor_database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the node and the demo shop join this group: killed together
    )
    try:
        output, _ = process.communicate(timeout=240)
        log = workdir / "harbor.log"
        node_log = log.read_text(errors="replace")[-3000:] if log.is_file() else "(no log)"
        assert process.returncode == 0, f"the guide failed:\n{output}\n--- harbor.log\n{node_log}"
        yield GuideRun(output, f"http://127.0.0.1:{node_port}", tmp_path / "config")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def finished_call(client: httpx.Client, arguments: dict[str, int]) -> dict[str, object]:
    """The call with these arguments once it has left the approved/running states."""
    deadline = time.monotonic() + 30
    while True:
        items = client.get("/api/v1/calls").raise_for_status().json()["calls"]
        matching = [c for c in items if c["arguments"] == arguments]
        assert matching, f"no call with {arguments}: {items}"
        call = matching[0]
        if call["status"] not in ("approved", "running", "pending_approval") or (
            time.monotonic() > deadline
        ):
            return dict(call)
        time.sleep(0.3)


def test_the_get_started_guide_reaches_an_approved_agent_call(
    guide_run: GuideRun, harbor_database_url: str | None
):
    token = (guide_run.config_dir / "operator-token").read_text().strip()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=guide_run.url, headers=headers, timeout=10) as client:
        call = finished_call(client, {"id": 1002})
        assert call["status"] == "succeeded", call
        assert call["result"] == {"id": 1002, "status": "packing", "items": 5}
        assert call["agent"] == "shop-bot"
        approvals = client.get("/api/v1/approvals", params={"status": "approved"}).json()
        approved = [a for a in approvals if a["call_id"] == call["id"]]
        assert len(approved) == 1, approvals
        assert approved[0]["note"] == "fine, go ahead"
        process = client.get("/api/v1/settings/process").text
        assert ("postgresql" in process) == (harbor_database_url is not None)
    # The SDK step printed the first call's result (the reader sees the same).
    assert "succeeded {'id': 1001, 'status': 'shipped', 'items': 2}" in guide_run.output
    # So did the MCP step, through `harbor mcp` as an agent host launches it.
    assert "mcp: succeeded {'id': 1001, 'status': 'shipped', 'items': 2}" in guide_run.output
