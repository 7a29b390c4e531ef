"""Alembic migrations, applied at every start and by ``harbor-cloud migrate``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Its own version table, so a cloud and a node could even share one database.
VERSION_TABLE = "cloud_alembic_version"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at the cloud's migrations, bound to ``engine`` if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(engine), revision)
