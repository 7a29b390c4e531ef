"""The scripts on the SDK page work when pasted: run verbatim against a real node."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harbor_client import HarborClient
from harbor_client.models import DraftCreate
from tests.conftest import UPSTREAM_TOKEN

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def script_under(heading: str) -> str:
    """The first Python block after ``heading`` on the SDK page."""
    text = PAGE.read_text()
    start = text.index(f"\n{heading}\n")
    block = re.search(r"```python\n(.*?)```", text[start:], re.DOTALL)
    assert block is not None, heading
    return block.group(1)


def run_script(source: str, url: str, key: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``source`` as a file with HARBOR_URL and HARBOR_KEY set, as a user would."""
    script = tmp_path / "script.py"
    script.write_text(source)
    env = {**os.environ, "HARBOR_URL": url, "HARBOR_KEY": key}
    return subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def tracker(operator: HarborClient) -> None:
    """``tracker.create_issue`` (risk write: needs approval) on the loopback upstream."""
    port = operator.get_port("up")
    operator.create_port("tracker", "loop", port.config)
    operator.set_port_secret("tracker", "token", value=UPSTREAM_TOKEN)
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    draft = operator.create_draft(
        "tracker",
        DraftCreate(action="create_issue", kind="get", risk="write", description="Open an issue",
                    input_schema=schema, definition={"path": "/issues"}),
    )  # fmt: skip
    operator.validate_draft(draft.id)
    operator.publish_draft(draft.id, force=True)


def test_the_agent_script_waits_for_approval_and_prints_the_result(
    live_node, tracker, decide_soon, tmp_path
):
    decide_soon("approve")
    done = run_script(
        script_under("## A complete agent script"), live_node.url, live_node.agent_key, tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "tracker.create_issue (write): Open an issue" in done.stdout
    assert "done: {'path': '/issues', 'ok': True}" in done.stdout


def test_the_agent_script_reports_a_denial(live_node, tracker, decide_soon, tmp_path):
    decide_soon("deny", reason="duplicate of #12")
    done = run_script(
        script_under("## A complete agent script"), live_node.url, live_node.agent_key, tmp_path
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "the operator said no: duplicate of #12"


def test_the_operator_script_reviews_and_sets_up(live_node, tracker, agent, tmp_path):
    handle = agent.call("up.touch", {"suffix": "w"})
    done = run_script(
        script_under("## Managing a node (operator)"),
        live_node.url,
        live_node.operator_token,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "port tracker: ready" in done.stdout
    assert "test-agent wants up.touch {'suffix': 'w'}" in done.stdout
    assert "the agent's key, shown this once: hba_" in done.stdout
    assert "triage-bot calling tracker.create_issue: allow (rule:" in done.stdout
    assert "audit chain: ok" in done.stdout
    assert agent.get_call(handle).status == "pending_approval"  # a write: left for a human
