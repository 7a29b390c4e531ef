"""Everything the operator does in the web UI has a CLI command, and every command is documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

from harbor.cli import app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"

#: The pages of the web UI (issue 6) and the commands that do the same from a terminal.
UI_CAPABILITIES: dict[str, list[str]] = {
    "overview": ["pause", "resume", "plugins", "calls list"],
    "ports": ["connectors list", "connectors show", "ports list", "ports create",
              "ports set-secret", "ports check", "ports delete"],
    "port workspace": ["ports show", "ports configure", "ports enable", "ports disable",
                       "ports delete-secret", "actions list", "actions show", "actions enable",
                       "actions disable", "actions archive", "actions rollback", "actions diff",
                       "drafts create", "drafts list", "drafts show", "drafts validate",
                       "drafts test", "drafts publish", "drafts reject"],
    "approvals": ["approvals list", "approvals show", "approvals approve", "approvals deny",
                  "approvals watch"],
    "audit": ["audit list", "audit export", "audit verify"],
    "calls": ["calls list", "calls show"],
    "policies": ["policies list", "policies add", "policies remove", "policies reorder",
                 "policies move", "policies explain"],
    "agents and keys": ["agents create", "agents list", "agents revoke", "agents add-key",
                        "agents rotate-key", "agents revoke-key", "agents suspend",
                        "agents resume", "tokens create", "tokens list", "tokens revoke"],
    "settings": ["settings show", "settings set", "settings process", "config show"],
}  # fmt: skip
LISTS_WITH_JSON = ["ports list", "actions list", "drafts list", "approvals list", "calls list",
                   "audit list", "policies list", "agents list", "tokens list", "settings show",
                   "connectors list"]  # fmt: skip


def every_command(group: Any, prefix: str = "") -> list[str]:
    """The full paths of every command below ``group`` (a group is what has subcommands)."""
    found: list[str] = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            found += every_command(command, path + " ")
        else:
            found.append(path)
    return found


@pytest.mark.parametrize(
    ("capability", "command"),
    [(cap, command) for cap, commands in UI_CAPABILITIES.items() for command in commands],
)
def test_each_ui_capability_has_a_cli_command(harbor_cli, capability, command):
    shown = harbor_cli(*command.split(), "--help")
    assert shown.exit_code == 0, f"{capability}: `harbor {command}` is missing"
    assert "Usage: harbor " + command in " ".join(shown.stdout.split())


@pytest.mark.parametrize("command", LISTS_WITH_JSON)
def test_lists_offer_json_for_scripts(harbor_cli, command):
    assert "--json" in harbor_cli(*command.split(), "--help").stdout


def test_every_command_is_in_the_cli_page():
    page = DOCS.read_text()
    missing = [c for c in every_command(typer.main.get_command(app)) if f"harbor {c}" not in page]
    assert missing == [], f"document these in docs/cli.md: {missing}"
