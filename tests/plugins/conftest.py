"""Every test in this folder runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import database_url_for


@pytest.fixture(params=["sqlite", "postgresql"])
def harbor_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test node's database: SQLite file, or the run's PostgreSQL database."""
    return database_url_for(request, tmp_path)
