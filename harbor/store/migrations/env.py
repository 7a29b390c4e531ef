"""Alembic environment: runs against the engine Harbor hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import harbor.store.calls
import harbor.store.models
import harbor.store.policies
import harbor.store.ports  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    """Run the migrations inside one transaction on Harbor's engine."""
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
