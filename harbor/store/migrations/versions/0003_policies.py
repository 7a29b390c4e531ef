"""policy rules and rate-limit windows

Revision ID: 0003_policies
Revises: 0002
Create Date: 2026-11-23 09:28:24.904870
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import harbor.store.types

revision: str = "0003_policies"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "policy_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.AutoString(length=64), nullable=True),
        sa.Column("description", sqlmodel.AutoString(length=2000), nullable=False),
        sa.Column("agent", sqlmodel.AutoString(length=64), nullable=True),
        sa.Column("action", sqlmodel.AutoString(length=200), nullable=False),
        sa.Column("risks", sa.JSON(), nullable=False),
        sa.Column("arguments_schema", sa.JSON(), nullable=True),
        sa.Column("effect", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        sa.Column("rate_limit_calls", sa.Integer(), nullable=True),
        sa.Column("rate_limit_window_seconds", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("policy_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_rule_name"), ["name"], unique=True)
        batch_op.create_index(batch_op.f("ix_policy_rule_position"), ["position"], unique=False)

    op.create_table(
        "policy_rate_window",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("agent", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["policy_rule.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("rule_id", "agent", "action", "window_start"),
    )


def downgrade() -> None:

    op.drop_table("policy_rate_window")
    with op.batch_alter_table("policy_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_rule_position"))
        batch_op.drop_index(batch_op.f("ix_policy_rule_name"))

    op.drop_table("policy_rule")
