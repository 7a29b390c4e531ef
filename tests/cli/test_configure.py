"""Ports, connectors, drafts, actions and settings from the terminal, against a live node."""

from __future__ import annotations

import json

from tests.cli.test_operations import live, run_ok
from tests.conftest import UPSTREAM_TOKEN

__all__ = ["live"]


def test_ports_from_create_to_delete_with_a_secret_from_stdin(live, harbor_cli, upstream):
    connectors = json.loads(run_ok(harbor_cli, "connectors", "list", "--json"))
    assert "loop" in {c["type"] for c in connectors}
    assert "read_status" in run_ok(harbor_cli, "connectors", "show", "loop")

    created = run_ok(
        harbor_cli, "ports", "create", "second", "--connector", "loop",
        "--set", f"base_url={upstream.url}",
        "--config-json", '{"allow_private_hosts": ["127.0.0.1"]}',
    )  # fmt: skip
    assert "needs_secrets" in created
    assert "harbor ports set-secret second token" in created

    typed = harbor_cli("ports", "set-secret", "second", "token", input=UPSTREAM_TOKEN + "\n")
    assert typed.exit_code == 0, typed.stderr
    assert UPSTREAM_TOKEN not in typed.stdout
    shown = json.loads(run_ok(harbor_cli, "ports", "show", "second", "--json"))
    assert shown["status"] == "ready"
    assert UPSTREAM_TOKEN not in json.dumps(shown)
    assert "ok" in run_ok(harbor_cli, "ports", "check", "second")
    assert "token" in run_ok(harbor_cli, "ports", "show", "second")

    run_ok(harbor_cli, "ports", "configure", "second", "--set", "allow_private_hosts=[]",
           "--description", "renamed")  # fmt: skip
    shown = json.loads(run_ok(harbor_cli, "ports", "show", "second", "--json"))
    assert shown["config"]["allow_private_hosts"] == []
    assert shown["description"] == "renamed"
    nothing = harbor_cli("ports", "configure", "second")
    assert nothing.exit_code == 1
    assert nothing.stderr.startswith("error: nothing to change")

    run_ok(harbor_cli, "ports", "disable", "second")
    listed = {p["name"]: p for p in json.loads(run_ok(harbor_cli, "ports", "list", "--json"))}
    assert listed["second"]["status"] == "disabled"
    run_ok(harbor_cli, "ports", "enable", "second")
    run_ok(harbor_cli, "ports", "delete", "second", "--yes")
    assert [p["name"] for p in json.loads(run_ok(harbor_cli, "ports", "list", "--json"))] == ["up"]


def test_a_secret_is_never_taken_from_the_command_line(live, harbor_cli):
    as_option = harbor_cli("ports", "set-secret", "up", "token", "--value", "leaked")
    assert as_option.exit_code != 0
    empty = harbor_cli("ports", "set-secret", "up", "token", "--stdin", input="")
    assert empty.exit_code == 1
    assert "empty" in empty.stderr
    by_reference = run_ok(
        harbor_cli, "ports", "set-secret", "up", "token", "--reference", "env:UP_TOKEN"
    )
    assert "set" in by_reference
    missing = harbor_cli("ports", "show", "nope")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: ")


def test_a_draft_from_a_file_to_a_published_action_and_back(live, harbor_cli, tmp_path):
    spec = {
        "action": "look", "kind": "get", "risk": "read", "description": "look at an item",
        "input_schema": {"type": "object", "properties": {"suffix": {"type": "string"}}},
        "definition": {"path": "/items"},
    }  # fmt: skip
    file = tmp_path / "look.json"
    file.write_text(json.dumps(spec))
    created = json.loads(run_ok(harbor_cli, "drafts", "create", "up", "--file", str(file),
                                "--json"))  # fmt: skip
    draft_id = str(created[0]["id"])
    assert "validated" in run_ok(harbor_cli, "drafts", "validate", draft_id)
    tested = run_ok(harbor_cli, "drafts", "test", draft_id, "--arg", "suffix=try")
    assert '"path": "/items/try"' in tested
    assert "published as v1" in run_ok(harbor_cli, "drafts", "publish", draft_id)

    actions = json.loads(run_ok(harbor_cli, "actions", "list", "up", "--json"))
    assert {a["qualified_name"] for a in actions} == {"up.touch", "up.look"}
    assert "up.look is disabled" in run_ok(harbor_cli, "actions", "disable", "up.look")
    assert "up.look is enabled" in run_ok(harbor_cli, "actions", "enable", "up.look")

    file.write_text(json.dumps({**spec, "description": "look closer"}))
    second = json.loads(run_ok(harbor_cli, "drafts", "create", "up", "-f", str(file), "--json"))
    run_ok(harbor_cli, "drafts", "validate", str(second[0]["id"]))
    run_ok(harbor_cli, "drafts", "publish", str(second[0]["id"]), "--force")
    assert "/description" in run_ok(harbor_cli, "actions", "diff", "up.look", "1", "2")
    assert "now v3 (from v1)" in run_ok(harbor_cli, "actions", "rollback", "up.look", "1")
    shown = json.loads(run_ok(harbor_cli, "actions", "show", "up.look"))
    assert [v["version"] for v in shown["versions"]] == [3, 2, 1]
    assert "archived" in run_ok(harbor_cli, "actions", "archive", "up.look")

    from_template = json.loads(
        run_ok(harbor_cli, "drafts", "create", "up", "--template", "read_status", "--json")
    )
    rejected = run_ok(harbor_cli, "drafts", "reject", str(from_template[0]["id"]),
                      "--reason", "not now")  # fmt: skip
    assert "rejected" in rejected
    listed = json.loads(run_ok(harbor_cli, "drafts", "list", "up", "--json"))
    assert listed[0]["status"] == "rejected"


def test_bad_drafts_fail_with_one_line(live, harbor_cli, tmp_path):
    neither = harbor_cli("drafts", "create", "up")
    assert neither.exit_code == 1
    assert neither.stderr == "error: give either --file or --template\n"
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    bad = harbor_cli("drafts", "create", "up", "--file", str(broken))
    assert bad.exit_code == 1
    assert "not valid JSON" in bad.stderr
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('action = "x"\nkind = "nope"\n[definition]\npath = "relative"\n')
    draft = json.loads(run_ok(harbor_cli, "drafts", "create", "up", "-f", str(wrong), "--json"))
    invalid = harbor_cli("drafts", "validate", str(draft[0]["id"]))
    assert invalid.exit_code == 1
    assert "draft" in invalid.stdout


def test_operator_settings_from_the_terminal(live, harbor_cli):
    effects = 'default_effects={"read": "allow", "write": "deny", "destructive": "deny"}'
    changed = run_ok(harbor_cli, "settings", "set", "approval_ttl_seconds=600", effects)
    assert "approval_ttl_seconds = 600" in changed
    shown = json.loads(run_ok(harbor_cli, "settings", "show", "--json"))
    assert shown["approval_ttl_seconds"] == 600
    assert shown["default_effects"]["write"] == "deny"
    bad = harbor_cli("settings", "set", "approval_ttl_seconds=5")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: approval_ttl_seconds")
    process = json.loads(run_ok(harbor_cli, "settings", "process", "--json"))
    assert "settings" in process
