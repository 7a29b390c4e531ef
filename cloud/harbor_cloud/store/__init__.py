"""The cloud's storage: SQLModel tables, the engine and Alembic migrations."""
