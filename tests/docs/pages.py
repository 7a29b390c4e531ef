"""Reading the docs the way the tests need them: the nav of mkdocs.yml and a page's commands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MKDOCS_YML = ROOT / "mkdocs.yml"

#: A fenced shell block, with the line before it (where a skip marker may stand).
SHELL_BLOCK = re.compile(
    r"(?P<before>^[^\n]*\n)?^```(?:bash|sh|shell)[ \t]*\n(?P<code>.*?)^```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
#: Written on the line before a block the docs test must not run, with the reason.
SKIP_MARKER = "<!-- docs-test: skip"


def nav() -> list[Any]:
    """The ``nav`` of mkdocs.yml."""
    return yaml.safe_load(MKDOCS_YML.read_text(encoding="utf-8"))["nav"]


def nav_section(title: str) -> list[Path]:
    """The pages of one top-level nav section, in reading order."""
    for entry in nav():
        if isinstance(entry, dict) and title in entry:
            return [DOCS / page for page in pages_of(entry[title])]
    raise LookupError(f"mkdocs.yml has no nav section {title!r}")


def pages_of(entry: Any) -> list[str]:
    """Every page path below a nav entry, depth first."""
    if isinstance(entry, str):
        return [entry]
    if isinstance(entry, list):
        return [page for item in entry for page in pages_of(item)]
    if isinstance(entry, dict):
        return [page for value in entry.values() for page in pages_of(value)]
    return []


def shell_blocks(page: Path) -> list[str]:
    """The shell blocks of a page that a reader runs, in order (skip-marked ones left out)."""
    text = page.read_text(encoding="utf-8")
    return [
        m["code"]
        for m in SHELL_BLOCK.finditer(text)
        if not (m["before"] or "").strip().startswith(SKIP_MARKER)
    ]
