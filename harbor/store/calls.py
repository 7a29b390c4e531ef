"""Calls and approvals: one row per agent request, one per human decision it waits for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from harbor.store.types import UTCDateTime, utcnow


def _ts(nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class Call(SQLModel, table=True):
    """One request by an agent to run one published action version with arguments.

    ``arguments`` are what the connector receives (after an approver's edits); the public
    view redacts the sensitive ones. ``status`` moves only forward, through conditional
    updates, so two workers can never both start the same call.
    """

    __tablename__ = "call"
    __table_args__ = (
        UniqueConstraint("agent_id", "idempotency_key"),
        Index("ix_call_status_updated", "status", "updated_at"),
        Index("ix_call_agent_created", "agent_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=40)
    agent_id: int = Field(foreign_key="agent.id")
    agent: str = Field(max_length=64)
    port: str = Field(max_length=30, index=True)
    action: str = Field(max_length=64, index=True)
    version: int
    action_version_id: int = Field(foreign_key="action_version.id")
    arguments: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    original_arguments: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    arguments_hash: str = Field(max_length=64)
    status: str = Field(max_length=20)
    decision: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    approval_id: str | None = Field(default=None, max_length=40)
    edited: bool = False
    reason: str | None = Field(default=None, max_length=2000)
    result: Any = Field(default=None, sa_column=Column(JSON))
    error_code: str | None = Field(default=None, max_length=40)
    error_message: str | None = Field(default=None, max_length=2000)
    idempotency_key: str | None = Field(default=None, max_length=255)
    request_hash: str | None = Field(default=None, max_length=64)
    trace_id: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    started_at: datetime | None = _ts()
    finished_at: datetime | None = _ts()


class Approval(SQLModel, table=True):
    """A human decision on one exact call: its action version and arguments hash."""

    __tablename__ = "approval"
    __table_args__ = (Index("ix_approval_status_expires", "status", "expires_at"),)

    id: str = Field(primary_key=True, max_length=40)
    call_id: str = Field(foreign_key="call.id", unique=True, max_length=40)
    action_version_id: int = Field(foreign_key="action_version.id")
    arguments_hash: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)
    approvals_required: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    decided_at: datetime | None = _ts()
    decided_by: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=2000)


class ApprovalVote(SQLModel, table=True):
    """One operator's approval of a call that needs several (``approvals_required`` > 1)."""

    __tablename__ = "approval_vote"
    __table_args__ = (UniqueConstraint("approval_id", "operator", name="uq_approval_vote"),)

    id: int | None = Field(default=None, primary_key=True)
    approval_id: str = Field(foreign_key="approval.id", index=True, max_length=40)
    operator: str = Field(max_length=64)
    arguments_hash: str = Field(max_length=64)
    """The arguments this operator saw: an edit after the vote makes it not count."""
    note: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
