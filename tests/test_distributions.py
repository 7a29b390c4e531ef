"""Connectors are separate distributions: found through entry points, never imported by the core.

The install test builds a site-packages view that holds the core and exactly one connector
distribution (every other connector's files left out, as if never installed), starts a fresh
interpreter on it, and asks the plugin manager and the connector registry what they found.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(sysconfig.get_paths()["purelib"])


def entry_point_names() -> dict[str, str]:
    """Connector folder -> the name of its ``harbor`` entry point (libraries have none)."""
    found = {}
    for path in sorted(ROOT.glob("connectors/*/pyproject.toml")):
        text = path.read_text()
        if "[project.entry-points.harbor]" in text:
            section = text.split("[project.entry-points.harbor]")[1]
            match = re.search(r"^(\w+) = ", section, re.M)
            assert match is not None, path
            found[path.parent.name] = match[1]
    return found


CONNECTORS = entry_point_names()
PROBE = """
import json, site, sys
site.addsitedir(sys.argv[1])
from harbor.plugin_manager import PluginManager
plugins = PluginManager().load_all()
print(json.dumps({
    "plugins": sorted(n for n, r in plugins.records.items() if not r.builtin and r.loaded),
    "failed": sorted(n for n, r in plugins.records.items() if not r.loaded),
    "connectors": sorted(plugins.collect_connectors()),
}))
"""


def package_of(folder: str) -> str:
    return f"harbor_{folder}"


def site_view(tmp_path: Path, keep: set[str]) -> Path:
    """``SITE`` without the files of every connector distribution not in ``keep``."""
    hidden = {package_of(name) for name in CONNECTORS} - {package_of(name) for name in keep}
    view = tmp_path / "site-packages"
    view.mkdir(parents=True)
    for entry in SITE.iterdir():
        if any(h in entry.name.replace("-", "_") for h in hidden):
            continue
        (view / entry.name).symlink_to(entry)
    return view


def probe(view: Path) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-S", "-c", PROBE, str(view)],
        capture_output=True, text=True, timeout=60, cwd="/", check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_every_connector_distribution_is_seen_here():
    assert {"http_api", "webhook", "discord", "github", "gmail", "google_calendar"} <= set(
        CONNECTORS
    )


@pytest.mark.parametrize("folder", ["github", "webhook"])
def test_one_connector_installed_alone_appears_and_removing_it_removes_it(tmp_path, folder):
    alone = probe(site_view(tmp_path / "with", {folder}))
    assert alone["plugins"] == [CONNECTORS[folder]]
    assert folder in alone["connectors"]
    assert alone["failed"] == []

    without = probe(site_view(tmp_path / "without", set()))
    assert without["plugins"] == []
    assert without["connectors"] == []
    assert without["failed"] == []


def test_the_core_imports_no_connector():
    packages = {package_of(name) for name in CONNECTORS} | {"harbor_google_common"}
    offenders = []
    for source in sorted((ROOT / "harbor").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{source.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in packages
            ]
    assert offenders == []
