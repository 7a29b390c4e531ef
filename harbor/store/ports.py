"""Tables of ports, their secrets, actions with immutable versions, and drafts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from harbor.store.types import UTCDateTime, utcnow


def _fk(target: str) -> Any:
    return Field(
        sa_column=Column(
            Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False, index=True
        )
    )


def _json(default: Any = None) -> Any:
    factory = dict if default is None else default
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


def _ts() -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Port(SQLModel, table=True):
    """One configured instance of a connector: non-secret config plus secret references."""

    __tablename__ = "port"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=30, unique=True, index=True)
    connector: str = Field(max_length=64)
    description: str = Field(default="", max_length=2000)
    config: dict[str, Any] = _json()
    disabled: bool = False
    auth_failed: bool = False
    last_check_ok: bool | None = None
    last_check_message: str = Field(default="", max_length=2000)
    last_check_at: datetime | None = _ts()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PortSecret(SQLModel, table=True):
    """A secret of a port: an encrypted value, or a reference resolved at call time."""

    __tablename__ = "port_secret"
    __table_args__ = (UniqueConstraint("port_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    port_id: int = _fk("port.id")
    name: str = Field(max_length=64)
    ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    reference: str | None = Field(default=None, max_length=1024)
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Action(SQLModel, table=True):
    """A named operation on a port; its published versions are immutable."""

    __tablename__ = "action"
    __table_args__ = (UniqueConstraint("port_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    port_id: int = _fk("port.id")
    name: str = Field(max_length=32)
    state: str = Field(default="enabled", max_length=16)
    current_version: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ActionVersion(SQLModel, table=True):
    """One published, immutable version of an action."""

    __tablename__ = "action_version"
    __table_args__ = (UniqueConstraint("action_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = _fk("action.id")
    version: int
    kind: str = Field(max_length=64)
    description: str = Field(default="", max_length=4000)
    risk: str = Field(max_length=16)
    input_schema: dict[str, Any] = _json()
    definition: dict[str, Any] = _json()
    draft_id: int | None = None
    forced: bool = False
    rolled_back_from: int | None = None
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Draft(SQLModel, table=True):
    """An unpublished action version: draft -> validated -> tested -> published, or rejected."""

    __tablename__ = "draft"

    id: int | None = Field(default=None, primary_key=True)
    port_id: int = _fk("port.id")
    action_name: str = Field(max_length=32)
    kind: str = Field(max_length=64)
    description: str = Field(default="", max_length=4000)
    risk: str = Field(max_length=16)
    input_schema: dict[str, Any] = _json()
    definition: dict[str, Any] = _json()
    status: str = Field(default="draft", max_length=16)
    validation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    test_result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    reason: str = Field(default="", max_length=2000)
    published_version: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AuditEvent(SQLModel, table=True):
    """One append-only, hash-chained audit record.

    Each filterable column has an index ending in ``seq``, so a filtered page, newest first,
    is one index range scan on SQLite and PostgreSQL alike (keyset pagination by ``seq``).
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_type_seq", "type", "seq"),
        Index("ix_audit_event_actor_seq", "actor", "seq"),
        Index("ix_audit_event_outcome_seq", "outcome", "seq"),
        Index("ix_audit_event_port_seq", "port", "seq"),
        Index("ix_audit_event_action_seq", "action", "seq"),
        # "This action's failures" is the commonest pair of filters (benchmarked).
        Index("ix_audit_event_action_outcome_seq", "action", "outcome", "seq"),
        Index("ix_audit_event_call_id_seq", "call_id", "seq"),
    )

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    time: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    actor_type: str = Field(max_length=16)
    actor: str = Field(max_length=64)
    type: str = Field(max_length=64)
    subject: str = Field(default="", max_length=200, index=True)
    outcome: str = Field(default="ok", max_length=32)
    details: dict[str, Any] = _json()
    trace_id: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
    port: str | None = Field(default=None, max_length=30)
    action: str | None = Field(default=None, max_length=64, description="port.action")
    call_id: str | None = Field(default=None, max_length=64)


class AuditHead(SQLModel, table=True):
    """The newest link of the chain; its row is locked by each writer to serialise appends."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    """The last pruned event: the chain is verified from here once older events are gone."""

    __tablename__ = "audit_checkpoint"

    id: int = Field(default=1, primary_key=True)
    seq: int
    hash: str = Field(max_length=64)
    time: datetime = Field(sa_type=UTCDateTime, nullable=False)
    pruned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
