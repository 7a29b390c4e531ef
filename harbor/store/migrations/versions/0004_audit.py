"""audit: port, action and call id columns, (column, seq) indexes, the prune checkpoint

Revision ID: 0004_audit
Revises: 0003_policies
Create Date: 2026-11-23 10:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import harbor.store.types

revision: str = "0004_audit"
down_revision: str | None = "0003_policies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every filterable column gets an index ending in ``seq`` for keyset pages, newest first.
SEQ_INDEXES = ("type", "actor", "outcome", "port", "action", "call_id")


def upgrade() -> None:

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("port", sqlmodel.AutoString(length=30), nullable=True))
        batch_op.add_column(sa.Column("action", sqlmodel.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("call_id", sqlmodel.AutoString(length=64), nullable=True))
        batch_op.drop_index(batch_op.f("ix_audit_event_type"))
        for column in SEQ_INDEXES:
            batch_op.create_index(f"ix_audit_event_{column}_seq", [column, "seq"], unique=False)

    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("time", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("pruned_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:

    op.drop_table("audit_checkpoint")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        for column in reversed(SEQ_INDEXES):
            batch_op.drop_index(f"ix_audit_event_{column}_seq")
        batch_op.create_index(batch_op.f("ix_audit_event_type"), ["type"], unique=False)
        batch_op.drop_column("call_id")
        batch_op.drop_column("action")
        batch_op.drop_column("port")
