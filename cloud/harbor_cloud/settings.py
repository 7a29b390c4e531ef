"""The cloud's settings, read from ``HARBOR_CLOUD_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field

ENV_PREFIX = "HARBOR_CLOUD_"


class CloudSettings(BaseModel):
    """Where the cloud keeps its data and how long what it issues lives."""

    database_url: str | None = None
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("harbor-cloud")))
    license_days: int = Field(default=30, ge=1, le=366)
    public_url: str | None = None
    enrollment_code_minutes: int = Field(default=15, ge=1, le=24 * 60)
    session_hours: int = Field(default=24, ge=1)
    reset_token_minutes: int = Field(default=30, ge=1)
    #: Failed sign-ins per email within ``login_window_minutes`` before sign-in is refused.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)

    @property
    def effective_database_url(self) -> str:
        """The database URL: the configured one, else a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cloud.db'}"

    def base_url(self, fallback: str) -> str:
        """The URL members and nodes use to reach the cloud (without a trailing slash)."""
        return (self.public_url or fallback).rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CloudSettings:
        """Settings from ``HARBOR_CLOUD_<NAME>`` variables (e.g. HARBOR_CLOUD_LICENSE_DAYS)."""
        env = os.environ if environ is None else environ
        values = {
            name: env[ENV_PREFIX + name.upper()]
            for name in cls.model_fields
            if ENV_PREFIX + name.upper() in env
        }
        return cls.model_validate(values)
