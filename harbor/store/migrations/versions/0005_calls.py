"""calls, approvals, agent suspension

Revision ID: 0005_calls
Revises: 0004_audit
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import harbor.store.types

revision: str = "0005_calls"
down_revision: str | None = "0004_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = harbor.store.types.UTCDateTime


def upgrade() -> None:
    """Add the call and approval tables and the agent's suspension time."""
    op.create_table(
        "call",
        sa.Column("id", sqlmodel.AutoString(length=40), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("agent", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("port", sqlmodel.AutoString(length=30), nullable=False),
        sa.Column("action", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action_version_id", sa.Integer(), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("original_arguments", sa.JSON(), nullable=True),
        sa.Column("arguments_hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.AutoString(length=20), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("approval_id", sqlmodel.AutoString(length=40), nullable=True),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("reason", sqlmodel.AutoString(length=2000), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error_code", sqlmodel.AutoString(length=40), nullable=True),
        sa.Column("error_message", sqlmodel.AutoString(length=2000), nullable=True),
        sa.Column("idempotency_key", sqlmodel.AutoString(length=255), nullable=True),
        sa.Column("request_hash", sqlmodel.AutoString(length=64), nullable=True),
        sa.Column("trace_id", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("created_at", TS(timezone=True), nullable=False),
        sa.Column("updated_at", TS(timezone=True), nullable=False),
        sa.Column("started_at", TS(timezone=True), nullable=True),
        sa.Column("finished_at", TS(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.ForeignKeyConstraint(["action_version_id"], ["action_version.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agent_id", "idempotency_key"),
    )
    op.create_index("ix_call_port", "call", ["port"])
    op.create_index("ix_call_action", "call", ["action"])
    op.create_index("ix_call_status_updated", "call", ["status", "updated_at"])
    op.create_index("ix_call_agent_created", "call", ["agent_id", "created_at"])
    op.create_table(
        "approval",
        sa.Column("id", sqlmodel.AutoString(length=40), nullable=False),
        sa.Column("call_id", sqlmodel.AutoString(length=40), nullable=False),
        sa.Column("action_version_id", sa.Integer(), nullable=False),
        sa.Column("arguments_hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        sa.Column("created_at", TS(timezone=True), nullable=False),
        sa.Column("expires_at", TS(timezone=True), nullable=False),
        sa.Column("decided_at", TS(timezone=True), nullable=True),
        sa.Column("decided_by", sqlmodel.AutoString(length=64), nullable=True),
        sa.Column("note", sqlmodel.AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.ForeignKeyConstraint(["action_version_id"], ["action_version.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id"),
    )
    op.create_index("ix_approval_status_expires", "approval", ["status", "expires_at"])
    with op.batch_alter_table("agent") as batch:
        batch.add_column(sa.Column("suspended_at", TS(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("agent") as batch:
        batch.drop_column("suspended_at")
    op.drop_table("approval")
    op.drop_table("call")
