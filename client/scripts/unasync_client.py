"""Generate ``harbor_client/_sync`` from ``harbor_client/_async`` (run after changing it).

    .venv/bin/python client/scripts/unasync_client.py

The asynchronous client is the source; this writes the synchronous one with unasync's token
rewriting (``async``/``await`` dropped, ``AsyncX`` -> ``SyncX``, the names below) and formats
it with ruff. ``client/tests/test_generated.py`` fails when the checked-in copy is stale.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import unasync

PACKAGE = Path(__file__).resolve().parent.parent / "harbor_client"
REPLACEMENTS = {
    "_async": "_sync",
    "AsyncClient": "Client",
    "AsyncBaseTransport": "BaseTransport",
    "AsyncHarborClient": "HarborClient",
    "aclose": "close",
    "aread": "read",
    "aiter_lines": "iter_lines",
}
HEADER = "# Generated from harbor_client/_async by client/scripts/unasync_client.py: do not edit.\n"


def generate(package: Path, target: Path) -> None:
    """Write the synchronous modules of ``package/_async`` into ``target`` (a ``_sync`` dir)."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "_async"
        shutil.copytree(package / "_async", source, ignore=shutil.ignore_patterns("__pycache__"))
        rule = unasync.Rule("/_async/", "/_sync/", additional_replacements=REPLACEMENTS)
        unasync.unasync_files([str(p) for p in sorted(source.glob("*.py"))], rules=[rule])
        produced = Path(scratch) / "_sync"
        for module in produced.glob("*.py"):
            module.write_text(HEADER + module.read_text())
        # Our own interpreter's ruff on files we just wrote: no untrusted input. The unsafe
        # fixes only turn loops that yield into ``yield from``, which async code cannot use.
        ruff = [sys.executable, "-m", "ruff"]
        fix = ["check", "--fix-only", "--unsafe-fixes", "--quiet"]
        for step in (fix, ["format", "--quiet"]):
            subprocess.run([*ruff, *step, str(produced)], check=True)  # noqa: S603
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(produced, target)


if __name__ == "__main__":
    generate(PACKAGE, PACKAGE / "_sync")
