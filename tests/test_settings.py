"""Process configuration: defaults < harbor.toml < HARBOR_* < flags, each with its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from harbor.errors import ConfigError
from harbor.settings import describe_settings, load_settings


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """An empty configuration directory."""
    path = tmp_path / "config"
    path.mkdir()
    return path


def env_for(config_dir: Path, **extra: str) -> dict[str, str]:
    return {"HARBOR_CONFIG_DIR": str(config_dir), **extra}


def test_defaults(config_dir):
    settings = load_settings(environ=env_for(config_dir))
    assert settings.host == "127.0.0.1"
    assert settings.port == 8765
    assert settings.source_of("port") == "default"
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.is_loopback_only


def test_layers_and_sources(config_dir):
    (config_dir / "harbor.toml").write_text('port = 9000\nlog_level = "debug"\nhost = "::1"\n')
    settings = load_settings(
        environ=env_for(config_dir, HARBOR_LOG_LEVEL="warning", HARBOR_ALLOWED_HOSTS="a.lan, b"),
        overrides={"host": "127.0.0.2", "workers": None},
    )
    assert (settings.port, settings.source_of("port")) == (9000, f"file {config_dir}/harbor.toml")
    assert (settings.log_level, settings.source_of("log_level")) == (
        "warning",
        "env HARBOR_LOG_LEVEL",
    )
    assert settings.allowed_hosts == ["a.lan", "b"]
    assert (settings.host, settings.source_of("host")) == ("127.0.0.2", "flag")
    assert settings.source_of("workers") == "default"
    names = [name for name, _value, _source in describe_settings(settings)]
    assert names[:2] == ["host", "port"]


def test_unknown_setting_in_file_names_it(config_dir):
    (config_dir / "harbor.toml").write_text("prot = 9000\n")
    with pytest.raises(ConfigError, match="unknown setting 'prot'"):
        load_settings(environ=env_for(config_dir))


def test_malformed_file_names_the_file_and_line(config_dir):
    (config_dir / "harbor.toml").write_text("port = = 1\n")
    with pytest.raises(ConfigError, match=r"malformed config file .*harbor.toml.*line 1"):
        load_settings(environ=env_for(config_dir))


def test_bad_value_from_the_environment(config_dir):
    with pytest.raises(ConfigError, match="invalid value for 'port'"):
        load_settings(environ=env_for(config_dir, HARBOR_PORT="eighty"))


def test_explicit_config_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "missing.toml", environ={})


def test_non_loopback_host_is_noticed(config_dir):
    settings = load_settings(environ=env_for(config_dir, HARBOR_HOST="0.0.0.0"))
    assert not settings.is_loopback_only
