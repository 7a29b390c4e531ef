"""Alembic environment: runs against the engine the cloud hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from harbor_cloud.store.migrate import VERSION_TABLE
from harbor_cloud.store.models import metadata

config = context.config


def run_migrations() -> None:
    """Run the migrations inside one transaction on the cloud's engine."""
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=VERSION_TABLE,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
