"""Starting a node: directories and database checked with clear errors."""

from __future__ import annotations

import pytest

from harbor.errors import ConfigError, Unavailable
from harbor.node import Node


def test_unwritable_data_dir_is_a_clear_error(harbor_settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings = harbor_settings.model_copy(update={"data_dir": blocker / "data"})
    with pytest.raises(ConfigError, match=r"data directory .* is not writable"):
        Node(settings).prepare()


def test_unreachable_database_stops_the_start(harbor_settings):
    settings = harbor_settings.model_copy(
        update={"database_url": "postgresql+psycopg://x@127.0.0.1:1/x?connect_timeout=2"}
    )
    with pytest.raises(Unavailable, match="cannot connect to database"):
        Node(settings).prepare()
