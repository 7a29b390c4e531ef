"""inbound events received at /hooks/{port}

Revision ID: 0006_inbound_events
Revises: 0005_calls
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import harbor.store.types

revision: str = "0006_inbound_events"
down_revision: str | None = "0005_calls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = harbor.store.types.UTCDateTime


def upgrade() -> None:
    """Add the inbound_event table."""
    op.create_table(
        "inbound_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=False),
        sa.Column("port", sqlmodel.AutoString(length=30), nullable=False),
        sa.Column("event_id", sqlmodel.AutoString(length=255), nullable=False),
        sa.Column("type", sqlmodel.AutoString(length=100), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["port_id"], ["port.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("port_id", "event_id"),
    )
    op.create_index("ix_inbound_event_port_seq", "inbound_event", ["port_id", "id"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("inbound_event")
