"""``harbor call`` as an agent, and ``harbor approvals watch`` driven by scripted key presses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rich.console import Console

from harbor.cli import watch
from tests.api.calls_fixtures import call
from tests.cli.test_operations import live, run_ok

__all__ = ["live"]


def test_call_an_action_as_the_agent_in_harbor_key(live, harbor_cli, agent_key, monkeypatch):
    no_key = harbor_cli("call", "up.touch", "--arg", "suffix=1")
    assert no_key.exit_code == 1
    assert "HARBOR_KEY" in no_key.stderr
    monkeypatch.setenv("HARBOR_KEY", agent_key)

    pending = harbor_cli("call", "up.touch", "--arg", "suffix=5")
    assert pending.exit_code == 0, pending.stderr
    assert "waits for approval" in pending.stderr
    calls = json.loads(run_ok(harbor_cli, "calls", "list", "--json"))["calls"]
    assert calls[0]["arguments"] == {"suffix": "5"}  # the schema says text: "5", not 5

    run_ok(harbor_cli, "policies", "add", "allow", "--action", "up.touch")
    result = run_ok(harbor_cli, "call", "up.touch", "--args-json", '{"suffix": "ok"}')
    assert json.loads(result) == {"path": "/items/ok", "ok": True}
    shown = json.loads(run_ok(harbor_cli, "call", "up.touch", "--arg", "suffix=j", "--json"))
    assert shown["status"] == "succeeded"
    timeline = json.loads(run_ok(harbor_cli, "calls", "show", shown["id"], "--timeline"))
    assert [e["type"] for e in timeline["timeline"]][:2] == ["call.requested", "policy.decided"]

    invalid = harbor_cli("call", "up.touch", "--arg", "suffix=" + "x" * 30)
    assert invalid.exit_code == 1
    assert invalid.stderr.startswith("error: ")
    malformed = harbor_cli("call", "up.touch", "--arg", "suffix")
    assert malformed.stderr == "error: --arg takes KEY=VALUE, got 'suffix'\n"


def scripted(keys: list[str | None]):
    """A key source that plays ``keys`` (None = no key before the timeout), then quits."""

    @contextmanager
    def source() -> Iterator[watch.KeyReader]:
        queue = list(keys)
        yield lambda timeout: queue.pop(0) if queue else "q"

    return source


def test_watch_approves_and_denies_with_key_presses(live, harbor_cli, monkeypatch):
    first = call(live, "up.touch", {"suffix": "w1"}).json()
    second = call(live, "up.touch", {"suffix": "w2"}).json()
    # Newest first: the first row is the second call. Approve it, then deny the other one.
    monkeypatch.setattr(watch, "key_source", scripted(["a", None, "d", "q"]))
    screen = run_ok(harbor_cli, "approvals", "watch", "--reason", "not today")
    assert "pending approvals" in screen
    done = live.get(f"/api/v1/calls/{second['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded"
    denied = live.get(f"/api/v1/calls/{first['id']}").json()
    assert denied["status"] == "denied"
    assert denied["reason"] == "not today"


def test_watch_moves_the_selection_and_survives_errors(live, operator_token):
    from harbor_client import HarborClient

    call(live, "up.touch", {"suffix": "s1"})
    call(live, "up.touch", {"suffix": "s2"})
    with HarborClient(str(live.base_url), operator_token) as client:
        session = watch.ApprovalWatch(client)
        session.refresh()
        assert [a.arguments["suffix"] for a in session.pending] == ["s2", "s1"]
        for key in ("down", "j", "j"):
            assert session.handle(key)
        assert session.current().arguments["suffix"] == "s1"
        assert session.handle("k")
        assert session.selected == 0
        client.approve(session.pending[0].id)  # decided elsewhere meanwhile
        assert session.handle("a")
        assert session.message.startswith("error: ")
        assert len(session.pending) == 1
        assert not session.handle("q")
        console = Console(record=True, width=160)
        console.print(session.render())
        assert "s1" in console.export_text()


def test_watch_needs_a_terminal(live, harbor_cli):
    refused = harbor_cli("approvals", "watch")
    assert refused.exit_code == 1
    assert "needs a terminal" in refused.stderr


@pytest.mark.parametrize("key", ["a", "d"])
def test_deciding_with_nothing_pending_says_so(live, operator_token, key):
    from harbor_client import HarborClient

    with HarborClient(str(live.base_url), operator_token) as client:
        session = watch.ApprovalWatch(client)
        session.refresh()
        assert session.handle(key)
        assert session.message == "nothing to decide"
