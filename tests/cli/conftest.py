"""Fixtures for the CLI tests: an isolated config and data directory, and a runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from harbor.api.app import create_app
from harbor.cli import app
from tests.conftest import serving


@dataclass
class CliHome:
    """The directories one CLI test works in."""

    root: Path
    data_dir: Path
    config_dir: Path

    @property
    def token_file(self) -> Path:
        """Where ``harbor init`` saves the operator token."""
        return self.config_dir / "operator-token"


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliHome:
    """HARBOR_DATA_DIR and HARBOR_CONFIG_DIR in the test's directory; no other HARBOR_* set."""
    import os

    for name in list(os.environ):
        if name.startswith("HARBOR_") and not name.startswith("HARBOR_TEST_"):
            monkeypatch.delenv(name)
    home = CliHome(tmp_path, tmp_path / "data", tmp_path / "config")
    monkeypatch.setenv("HARBOR_DATA_DIR", str(home.data_dir))
    monkeypatch.setenv("HARBOR_CONFIG_DIR", str(home.config_dir))
    return home


@pytest.fixture
def harbor_cli(cli_home: CliHome) -> Callable[..., Result]:
    """Run ``harbor ARGS...`` in-process; ``input`` feeds standard input."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def live(harbor_node, operator_token, cli_home, monkeypatch) -> Iterator[str]:
    """The node served on a free loopback port; the CLI reaches it with the operator token."""
    with serving(create_app(node=harbor_node)) as url:
        monkeypatch.setenv("HARBOR_URL", url)
        monkeypatch.setenv("HARBOR_TOKEN", operator_token)
        yield url
