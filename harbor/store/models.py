"""SQLModel tables of the foundation: the operator, tokens, agents and keys, operator state.

Tables stay in ``harbor.store``; the public shapes are the plain pydantic models in
``harbor.contracts``. Every table change ships with an Alembic migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from harbor.store.types import UTCDateTime, utcnow


def _ts(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class Operator(SQLModel, table=True):
    """A human who runs the node: the owner, or a team member with a role."""

    __tablename__ = "operator"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=512)
    role: str = Field(default="owner", max_length=16)
    """``owner``, ``approver`` or ``viewer`` (see :mod:`harbor.runtime.operators`)."""
    disabled_at: datetime | None = _ts()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    password_changed_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False
    )


class OperatorInvitation(SQLModel, table=True):
    """A one-time link that lets a new operator choose a name and password."""

    __tablename__ = "operator_invitation"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = _ts()
    used_by: str | None = Field(default=None, max_length=64)


class OperatorToken(SQLModel, table=True):
    """An operator API token; only its hash is stored."""

    __tablename__ = "operator_token"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(
        sa_column=Column(Integer, ForeignKey("operator.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(max_length=64)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = _ts()
    last_used_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()


class Agent(SQLModel, table=True):
    """A caller identity whose keys let it ask for actions within its scopes."""

    __tablename__ = "agent"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True, index=True)
    description: str = Field(default="", max_length=2000)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = _ts()
    suspended_at: datetime | None = _ts()


class AgentKey(SQLModel, table=True):
    """An agent API key; only its hash is stored."""

    __tablename__ = "agent_key"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("agent.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = _ts()
    last_used_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()


class NodeState(SQLModel, table=True):
    """Operator state and small node facts, one JSON value per key."""

    __tablename__ = "node_state"

    key: str = Field(primary_key=True, max_length=128)
    value: Any = Field(sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
