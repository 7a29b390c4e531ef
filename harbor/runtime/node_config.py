"""The running node's process configuration, read-only, with where each value came from.

Process settings (listen address, database, data directory, ...) come from defaults,
``harbor.toml``, ``HARBOR_*`` variables and flags; they are changed there and by a restart,
never at run time. This is what the settings page and ``GET /api/v1/settings/process`` show.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from harbor.contracts import ProcessConfig, ProcessSetting
from harbor.settings import Settings, describe_settings


def _without_password(url: Any) -> Any:
    """A database URL as it may be shown: a password in it becomes ``***``."""
    if not isinstance(url, str):
        return url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a valid database URL)"


def exposure_warning(settings: Settings) -> str | None:
    """Why listening beyond loopback matters, or None when the node listens on loopback only."""
    if settings.is_loopback_only:
        return None
    everywhere = settings.host in ("0.0.0.0", "::", "")  # noqa: S104 (naming, not binding)
    where = "every network interface" if everywhere else settings.host
    tls = "" if settings.tls_certfile else " without TLS"
    return (
        f"This node listens on {where}{tls}, so other machines on the network can reach its "
        "login page and API. Keep it on 127.0.0.1 unless you need that; otherwise put it "
        "behind TLS and a firewall, and list the names it answers to in allowed_hosts."
    )


def process_config(settings: Settings) -> ProcessConfig:
    """Every process setting with its effective value, its source and what it is for."""
    entries = [
        ProcessSetting(
            name=name,
            value=_without_password(value) if name == "database_url" else value,
            source=source,
            description=Settings.model_fields[name].description or "",
        )
        for name, value, source in describe_settings(settings)
    ]
    warning = exposure_warning(settings)
    return ProcessConfig(settings=entries, exposed=warning is not None, exposure_warning=warning)
