"""``harbor agents rotate-key`` / ``set-scopes`` and ``harbor policies move``, on a live node."""

from __future__ import annotations

import json

import httpx

from tests.cli.test_operations import live, run_ok

__all__ = ["live"]


def test_rotate_key_prints_the_new_key_once_and_the_old_stops_working(live, harbor_cli, agent_key):
    agent = json.loads(run_ok(harbor_cli, "agents", "list", "--json"))[0]
    old_id = agent["keys"][0]["id"]
    result = harbor_cli("agents", "rotate-key", agent["name"], str(old_id))
    assert result.exit_code == 0, result.stderr
    new_key = result.stdout.strip()
    assert new_key.startswith("hba_")
    assert "never shown again" in result.stderr

    def whoami(key: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"}
        return live.get("/api/v1/auth/whoami", headers=headers)

    assert whoami(agent_key).status_code == 401
    assert whoami(new_key).json()["name"] == agent["name"]

    again = harbor_cli("agents", "rotate-key", agent["name"], str(old_id))
    assert again.exit_code == 1
    assert again.stderr.startswith("error: ")
    assert "already revoked" in again.stderr


def test_move_puts_one_rule_at_a_new_place(live, harbor_cli):
    for action in ("up.a", "up.b", "up.c"):
        run_ok(harbor_cli, "policies", "add", "allow", "--action", action)
    ids = [r["id"] for r in json.loads(run_ok(harbor_cli, "policies", "list", "--json"))]
    assert "is now at position 1" in run_ok(harbor_cli, "policies", "move", str(ids[2]), "1")
    order = [r["id"] for r in json.loads(run_ok(harbor_cli, "policies", "list", "--json"))]
    assert order == [ids[2], ids[0], ids[1]]


def test_set_scopes_replaces_an_agents_scopes(live, harbor_cli):
    out = run_ok(
        harbor_cli, "agents", "set-scopes", "test-agent", "-s", "up.touch", "-s", "up.read_*"
    )
    assert "up.touch up.read_*" in out
    agent = json.loads(run_ok(harbor_cli, "agents", "list", "--json"))[0]
    assert agent["scopes"] == ["up.touch", "up.read_*"]
    assert "(none)" in run_ok(harbor_cli, "agents", "set-scopes", "test-agent")
