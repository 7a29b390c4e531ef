"""Fixtures of the docs tests: the site as ``mkdocs build --strict`` makes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.pages import ROOT


@pytest.fixture(scope="session")
def built_docs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs built once per run into a temporary directory (what ships in the wheel)."""
    site = tmp_path_factory.mktemp("docs-site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return site


# The browser and screenshots of the console's tests, for the site's own screenshots.
from tests.ui.conftest import browser, screenshot_dir, shot  # noqa: E402, F401
