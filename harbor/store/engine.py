"""The database engine and sessions. No module-level engine: a Store belongs to one node."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from harbor.errors import AuditUnavailable, ConfigError, Unavailable

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: session.info key the audit log sets once a transaction holds audit events; unlike the
#: pending events it survives the rollback a failed flush triggers.
AUDITED_KEY = "harbor_audited"
READ_ONLY_OPTION = "harbor_read_only"


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
    dbapi_conn.isolation_level = None  # transactions are begun by _sqlite_begin_immediate
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
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_begin_immediate(conn: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is
    # locked" when another connection wrote in between (WAL snapshots cannot be upgraded);
    # taking the write lock up front makes concurrent writers wait their turn instead.
    # Read-only sessions begin deferred, so they never wait for writers (WAL).
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    """The node's database: engine, sessions, health.

    ``audit`` is the node's audit log; every session carries it (and the acting principal)
    in ``session.info`` so runtime functions record their changes in the same transaction.
    """

    def __init__(self, url: str, audit: Any = None) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url)
        # The same pool, marked so that SQLite begins its transactions deferred.
        self.read_engine = self.engine.execution_options(**{READ_ONLY_OPTION: True})
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
                self._commit(session)
            except SQLAlchemyError as err:
                audited = bool(session.info.get(AUDITED_KEY))
                session.rollback()
                # Audit rows are flushed with the transaction's other rows (at commit or an
                # earlier flush): a database failure in a transaction that holds audit events
                # means they were not kept, so the change is refused as the audit being down.
                if audited:
                    raise AuditUnavailable(
                        "the audit log could not be written, so the change was refused"
                    ) from err
                raise
            except BaseException:
                session.rollback()
                raise

    def _commit(self, session: Session) -> None:
        """Commit; when audit events were part of it, a failure is AuditUnavailable.

        The audit events reach the database in this commit's flush, so its duration is
        what the audit write latency metric observes.
        """
        audited = bool(session.info.get(AUDITED_KEY))
        started = time.perf_counter()
        try:
            session.commit()
        except SQLAlchemyError as err:
            if audited:
                raise AuditUnavailable(
                    "the audit log could not be written, so the change was refused"
                ) from err
            raise
        observer = getattr(self.audit, "write_observer", None)
        if audited and observer is not None:
            observer(time.perf_counter() - started)

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reading only: on SQLite it never waits for, nor blocks, writers.

        Never write in it (a write could fail when another connection wrote meanwhile),
        and never open a write session while holding it in the same thread.
        """
        with Session(self.read_engine, expire_on_commit=False) as session:
            session.info["harbor_read_only"] = True
            yield session  # closing releases the connection; loaded objects stay readable

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
