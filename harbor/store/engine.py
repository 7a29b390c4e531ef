"""The database engine and sessions. No module-level engine: a Store belongs to one node."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from harbor.errors import ConfigError, Unavailable

SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs, which SQLAlchemy maps to psycopg2."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def redacted_url(url: str) -> str:
    """The URL with any password hidden, safe for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    # WAL lets readers proceed during writes; FULL makes each commit durable on power loss.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url`` with Harbor's connection settings."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise ConfigError(
            f"database URL {url!r} is not a valid SQLAlchemy URL; "
            "use e.g. sqlite:////path/harbor.db or postgresql+psycopg://user@host/db"
        ) from err
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs = {"connect_args": {"check_same_thread": False, "timeout": 10}}
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError) as err:
        raise ConfigError(f"cannot use database URL {redacted_url(url)}: {err}") from err
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Store:
    """The node's database: engine, sessions, health.

    ``audit`` is the node's audit log; every session carries it (and the acting principal)
    in ``session.info`` so runtime functions record their changes in the same transaction.
    """

    def __init__(self, url: str, audit: Any = None) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url)
        self.audit = audit

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, actor: Any = None) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error.

        ``actor`` (a ``harbor.runtime.audit.Actor``) is who the audit log names for the
        changes made in it; the system when omitted.
        """
        with Session(self.engine, expire_on_commit=False) as session:
            session.info["harbor_audit"] = self.audit
            session.info["harbor_actor"] = actor
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> bool:
        """Whether the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def check_connection(self) -> None:
        """Raise a clear error when the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as err:
            reason = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise Unavailable(
                f"cannot connect to database {redacted_url(self.url)}: {reason}; "
                "check HARBOR_DATABASE_URL (or database_url in harbor.toml)"
            ) from err

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
