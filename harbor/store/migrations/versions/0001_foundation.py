"""foundation: operator, tokens, agents, node state

Revision ID: 0001
Revises:
Create Date: 2026-11-23 00:58:13.961498
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import harbor.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "agent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("description", sqlmodel.AutoString(length=2000), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", harbor.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_name"), ["name"], unique=True)

    op.create_table(
        "node_state",
        sa.Column("key", sqlmodel.AutoString(length=128), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("updated_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "operator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("password_hash", sqlmodel.AutoString(length=512), nullable=False),
        sa.Column("created_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "password_changed_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "agent_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("key_hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("created_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", harbor.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", harbor.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", harbor.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_key_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agent_key_key_hash"), ["key_hash"], unique=True)

    op.create_table(
        "operator_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("prefix", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("token_hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("created_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", harbor.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", harbor.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", harbor.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operator.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("operator_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_operator_token_token_hash"), ["token_hash"], unique=True
        )


def downgrade() -> None:

    with op.batch_alter_table("operator_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_token_token_hash"))

    op.drop_table("operator_token")
    with op.batch_alter_table("agent_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_key_key_hash"))
        batch_op.drop_index(batch_op.f("ix_agent_key_agent_id"))

    op.drop_table("agent_key")
    op.drop_table("operator")
    op.drop_table("node_state")
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_name"))

    op.drop_table("agent")
