"""Storage: SQLModel tables, the engine and sessions, Alembic migrations."""

# Importing the table modules registers every table on the metadata.
from harbor.store import calls, inbound, models, oauth, policies, ports  # noqa: F401
from harbor.store.engine import Store, create_db_engine, redacted_url
from harbor.store.migrate import upgrade_database

__all__ = ["Store", "create_db_engine", "redacted_url", "upgrade_database"]
