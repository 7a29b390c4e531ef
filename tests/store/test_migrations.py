"""Alembic migrations: applied on start, idempotent, and in step with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from harbor.store import Store, upgrade_database


def test_migrations_create_every_table(harbor_node):
    tables = set(inspect(harbor_node.store.engine).get_table_names())
    assert {"operator", "operator_token", "agent", "agent_key", "node_state"} <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(harbor_node):
    with harbor_node.store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_upgrading_twice_changes_nothing(harbor_node):
    upgrade_database(harbor_node.store.engine)
    with harbor_node.store.engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    store.dispose()
