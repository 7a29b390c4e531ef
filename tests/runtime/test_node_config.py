"""The process configuration as the settings page shows it: values, sources, exposure."""

from __future__ import annotations

from pathlib import Path

from harbor.runtime.node_config import process_config
from harbor.settings import load_settings


def test_each_value_says_where_it_came_from(tmp_path: Path):
    config = tmp_path / "harbor.toml"
    config.write_text('log_level = "debug"\nport = 9000\n')
    settings = load_settings(
        config,
        environ={"HARBOR_PORT": "9100", "HARBOR_DATABASE_URL": "postgresql://u:s3cret@db/h"},
        overrides={"workers": 2},
    )
    shown = {s.name: s for s in process_config(settings).settings}
    assert (shown["log_level"].value, shown["log_level"].source) == ("debug", f"file {config}")
    assert (shown["port"].value, shown["port"].source) == (9100, "env HARBOR_PORT")
    assert (shown["workers"].value, shown["workers"].source) == (2, "flag")
    assert shown["host"].source == "default"
    assert shown["database_url"].value == "postgresql://u:***@db/h"
    assert "s3cret" not in process_config(settings).model_dump_json()


def test_listening_beyond_loopback_carries_a_warning(tmp_path: Path):
    isolated = {"HARBOR_CONFIG_DIR": str(tmp_path)}
    loopback = process_config(load_settings(environ=isolated))
    assert not loopback.exposed
    assert loopback.exposure_warning is None

    everywhere = process_config(load_settings(environ={**isolated, "HARBOR_HOST": "0.0.0.0"}))
    assert everywhere.exposed
    assert everywhere.exposure_warning is not None
    assert "every network interface without TLS" in everywhere.exposure_warning
