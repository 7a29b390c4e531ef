"""Process configuration: defaults < ``harbor.toml`` < ``HARBOR_*`` variables < flags.

Each effective value remembers where it came from, so ``harbor config show`` can say why a
setting has the value it has. Operator state (policy defaults, approval TTL, ...) is not
here: it lives in the database (see :mod:`harbor.runtime.state`).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from harbor.errors import ConfigError

APP_NAME = "harbor"
ENV_PREFIX = "HARBOR_"
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def default_config_dir() -> Path:
    """The per-user configuration directory (holds ``harbor.toml`` and the operator token)."""
    return Path(platformdirs.user_config_dir(APP_NAME))


def default_data_dir() -> Path:
    """The per-user data directory (holds the SQLite database and keys)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


class Settings(BaseModel):
    """Every process setting, with its default. Field descriptions are the reference docs."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    host: str = Field("127.0.0.1", description="Address to listen on")
    port: int = Field(8765, ge=0, le=65535, description="TCP port to listen on")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Extra host names the node answers to (besides its listen address and "
        "loopback names), e.g. its LAN name; protects against DNS rebinding",
    )
    config_dir: Path = Field(
        default_factory=default_config_dir,
        description="Directory of harbor.toml and the local operator token",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Directory of the SQLite database, keys and files the node keeps",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy database URL; default: SQLite file harbor.db in data_dir",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Lowest level of log lines written"
    )
    log_format: Literal["json", "text"] = Field(
        "json", description="JSON lines (default) or plain text logs"
    )
    workers: int = Field(1, ge=1, le=64, description="Server worker processes")
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body the API accepts"
    )
    call_timeout_seconds: float = Field(
        30.0, gt=0, le=3600, description="Time budget of one call, retries included"
    )
    port_concurrency: int = Field(
        16, ge=1, le=1024, description="Calls one port runs at the same time in one worker"
    )
    mcp_approval_wait_seconds: float = Field(
        45.0,
        ge=0,
        le=3600,
        description="How long an MCP tool call waits for the operator's approval (sending "
        "progress notifications) before it answers 'pending approval' with the call id",
    )
    tls_certfile: Path | None = Field(None, description="Certificate file to serve HTTPS")
    tls_keyfile: Path | None = Field(None, description="Private key file to serve HTTPS")
    forwarded_allow_ips: list[str] = Field(
        default_factory=list,
        description="Reverse proxy addresses whose X-Forwarded-* headers are trusted",
    )

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'harbor.db'}"

    @property
    def is_loopback_only(self) -> bool:
        """Whether the node listens only on a loopback address."""
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")

    @property
    def operator_token_file(self) -> Path:
        """Where ``harbor init`` keeps the local operator token (0600)."""
        return self.config_dir / "operator-token"

    def source_of(self, name: str) -> str:
        """Where the effective value of setting ``name`` came from."""
        return self._sources.get(name, "default")

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with flag values applied on top (``None`` values are ignored)."""
        values = {k: v for k, v in overrides.items() if v is not None}
        data = self.model_dump()
        data.update(values)
        updated = _validate(data, "command-line flags")
        updated._sources = {**self._sources, **dict.fromkeys(values, "flag")}
        return updated


def _validate(data: Mapping[str, Any], origin: str) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        if first["type"] == "extra_forbidden":
            known = ", ".join(Settings.model_fields)
            raise ConfigError(
                f"unknown setting '{where}' in {origin}; known settings: {known}"
            ) from err
        raise ConfigError(f"invalid value for '{where}' in {origin}: {first['msg']}") from err


def _parse_env_value(name: str, raw: str) -> Any:
    annotation = Settings.model_fields[name].annotation
    if get_origin(annotation) is list:
        return [item.strip() for item in raw.split(",") if item.strip()]
    if annotation is Path or (get_origin(annotation) is not None and Path in get_args(annotation)):
        return raw or None
    return raw


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse ``harbor.toml``; a syntax error names the file and the line."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"malformed config file {path}: {err}; fix the TOML syntax") from err
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror}") from err


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the effective settings from defaults, the config file, environment and flags."""
    env = os.environ if environ is None else environ
    sources: dict[str, str] = {}
    data: dict[str, Any] = {}

    explicit = config_file or (Path(env["HARBOR_CONFIG"]) if env.get("HARBOR_CONFIG") else None)
    config_dir = Path(env["HARBOR_CONFIG_DIR"]) if env.get("HARBOR_CONFIG_DIR") else None
    path = explicit or (config_dir or default_config_dir()) / "harbor.toml"
    if explicit is not None and not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    if path.is_file():
        from_file = read_config_file(path)
        _validate(from_file, str(path))  # report unknown keys against the file itself
        data.update(from_file)
        sources.update(dict.fromkeys(from_file, f"file {path}"))

    for name in Settings.model_fields:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None:
            data[name] = _parse_env_value(name, raw)
            sources[name] = f"env {ENV_PREFIX}{name.upper()}"

    settings = _validate(data, "the environment")
    settings._sources = sources
    if overrides:
        settings = settings.with_overrides(overrides)
    return settings


def describe_settings(settings: Settings) -> list[tuple[str, Any, str]]:
    """(name, value, source) for every setting, in declaration order."""
    dumped = settings.model_dump(mode="json")
    return [(name, dumped[name], settings.source_of(name)) for name in Settings.model_fields]
