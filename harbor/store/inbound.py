"""Events received at ``POST /hooks/{port}``: one row per accepted delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from harbor.store.types import UTCDateTime, utcnow


class InboundEventRow(SQLModel, table=True):
    """An event a port's connector verified and the core accepted.

    ``event_id`` is the sender's id (``webhook-id``); it is unique per port, which is how
    replays are refused. Deleting the port deletes its events.
    """

    __tablename__ = "inbound_event"
    __table_args__ = (
        UniqueConstraint("port_id", "event_id"),
        Index("ix_inbound_event_port_seq", "port_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    port_id: int = Field(
        sa_column=Column(Integer, ForeignKey("port.id", ondelete="CASCADE"), nullable=False)
    )
    port: str = Field(max_length=30)
    event_id: str = Field(max_length=255)
    type: str | None = Field(default=None, max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    size: int
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
