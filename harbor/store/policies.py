"""Tables of the policy engine: ordered rules and their rate-limit counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from harbor.store.types import UTCDateTime, utcnow


class PolicyRule(SQLModel, table=True):
    """One policy rule; rules are evaluated by ``position`` (then id), the first match decides."""

    __tablename__ = "policy_rule"

    id: int | None = Field(default=None, primary_key=True)
    position: int = Field(index=True)
    name: str | None = Field(default=None, max_length=64, unique=True, index=True)
    description: str = Field(default="", max_length=2000)
    agent: str | None = Field(default=None, max_length=64)
    action: str = Field(default="*.*", max_length=200)
    risks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    arguments_schema: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    effect: str = Field(max_length=32)
    approvals_required: int = 1
    rate_limit_calls: int | None = None
    rate_limit_window_seconds: int | None = None
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PolicyRateWindow(SQLModel, table=True):
    """Calls counted for one rule, agent and action in one fixed window.

    ``window_start`` is the window's start in whole seconds since the epoch, a multiple of
    the rule's window length. The counter is bumped with one conditional upsert, so it holds
    across workers; rows of past windows are removed as new ones start.
    """

    __tablename__ = "policy_rate_window"

    rule_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("policy_rule.id", ondelete="CASCADE"), primary_key=True
        )
    )
    agent: str = Field(primary_key=True, max_length=64)
    action: str = Field(primary_key=True, max_length=64)
    window_start: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    calls: int = 0
