"""The Reference pages are what the code says now: every command, setting, route and schema."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main

from harbor import docs_reference
from harbor.api.openapi import iter_operations
from harbor.cli import app
from harbor.settings import Settings

REFERENCE = docs_reference.REFERENCE_DIR


def every_command(group: Any, prefix: str = "harbor ") -> list[str]:
    """The full path of every command and group below ``group``."""
    found: list[str] = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        found.append(path)
        if hasattr(command, "commands"):
            found += every_command(command, path + " ")
    return found


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    """The OpenAPI document the REST reference is made from."""
    return docs_reference.openapi_document()


@pytest.mark.parametrize("page", sorted(docs_reference.REFERENCES))
def test_the_committed_reference_page_is_what_the_code_generates(page: str, openapi):
    render = docs_reference.REFERENCES[page]
    expected = docs_reference.rest_reference(openapi) if page == "rest.md" else render()
    committed = (REFERENCE / page).read_text(encoding="utf-8")
    assert committed == expected, (
        f"docs/reference/{page} is stale: run `{docs_reference.REGENERATE}` and commit the result"
    )


def test_every_cli_command_has_a_section_in_the_cli_reference():
    text = (REFERENCE / "cli.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#{2,4} `(harbor[^`]*)`$", text, re.MULTILINE))
    commands = every_command(typer.main.get_command(app))
    assert len(commands) > 50
    missing = [c for c in commands if c not in headings]
    assert missing == [], f"missing from docs/reference/cli.md: {missing}"


def test_every_option_of_every_command_is_in_the_cli_reference():
    text = (REFERENCE / "cli.md").read_text(encoding="utf-8")
    root = typer.main.get_command(app)
    missing = []
    top = docs_reference.context_of(root, "harbor")
    for command, context in docs_reference.walk_commands(root, top):
        section = text.split(f"`{context.command_path}`\n", 1)[1].split("\n#", 1)[0]
        for param in command.params:
            names = [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
            flags = [n for n in names if n.startswith("-") and n != "--help"]
            if flags and not getattr(param, "hidden", False) and f"`{flags[0]}`" not in section:
                missing.append(f"{context.command_path} {flags[0]}")
    assert missing == [], f"options missing from docs/reference/cli.md: {missing}"


def test_every_setting_is_in_the_settings_reference_with_its_variable():
    text = (REFERENCE / "settings.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in Settings.model_fields
        if not re.search(rf"^\| `{name}` \| `HARBOR_{name.upper()}` \|", text, re.MULTILINE)
    ]
    assert missing == [], f"missing from docs/reference/settings.md: {missing}"


def test_every_api_operation_is_in_the_rest_reference(openapi):
    text = (REFERENCE / "rest.md").read_text(encoding="utf-8")
    operations = iter_operations(openapi)
    assert len(operations) > 50
    missing = [f"{m} {p}" for m, p, _op in operations if f"| `{m} {p}` |" not in text]
    assert missing == [], f"missing from docs/reference/rest.md: {missing}"


def test_the_rest_reference_names_who_may_call_and_the_errors(openapi):
    text = (REFERENCE / "rest.md").read_text(encoding="utf-8")
    assert "| `POST /api/v1/calls` |" in text
    row = next(line for line in text.splitlines() if line.startswith("| `POST /api/v1/calls` |"))
    assert "agent key or operator token" in row
    assert "401" in row
    assert "422" in row
    health = next(line for line in text.splitlines() if "`GET /api/v1/health`" in line)
    assert "none (public)" in health


def test_every_schema_file_is_in_the_schemas_reference():
    text = (REFERENCE / "schemas.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in docs_reference.SCHEMAS_DIR.glob("*.schema.json"))
    assert files
    assert [name for name in files if f"## `{name}`" not in text] == []


def test_check_mode_reports_a_stale_page_with_the_command_to_fix_it(tmp_path, capsys):
    docs_reference.write_references(tmp_path)
    (tmp_path / "settings.md").write_text("# out of date\n", encoding="utf-8")
    assert docs_reference.main(["--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "settings.md is stale" in err
    assert docs_reference.REGENERATE in err
    assert "cli.md" not in err
