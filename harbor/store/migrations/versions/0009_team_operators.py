"""team operators: roles, disabled accounts, invitations, and per-operator approval votes

Revision ID: 0009_team_operators
Revises: 0008_oauth
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import harbor.store.types

revision: str = "0009_team_operators"
down_revision: str | None = "0008_oauth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = harbor.store.types.UTCDateTime


def upgrade() -> None:
    """Add operator roles and the operator_invitation and approval_vote tables."""
    with op.batch_alter_table("operator") as batch:
        # Every operator that exists before this migration is the node's owner.
        batch.add_column(
            sa.Column(
                "role",
                sqlmodel.AutoString(length=16),
                nullable=False,
                server_default="owner",
            )
        )
        batch.add_column(sa.Column("disabled_at", TS(timezone=True), nullable=True))
    op.create_table(
        "operator_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("created_by", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("created_at", TS(timezone=True), nullable=False),
        sa.Column("expires_at", TS(timezone=True), nullable=False),
        sa.Column("used_at", TS(timezone=True), nullable=True),
        sa.Column("used_by", sqlmodel.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_operator_invitation_token_hash", "operator_invitation", ["token_hash"], unique=True
    )
    op.create_table(
        "approval_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("approval_id", sqlmodel.AutoString(length=40), nullable=False),
        sa.Column("operator", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("arguments_hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("note", sqlmodel.AutoString(length=2000), nullable=False),
        sa.Column("created_at", TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["approval_id"], ["approval.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("approval_id", "operator", name="uq_approval_vote"),
    )
    op.create_index("ix_approval_vote_approval_id", "approval_vote", ["approval_id"])


def downgrade() -> None:
    """Drop the team tables and operator columns."""
    op.drop_index("ix_approval_vote_approval_id", table_name="approval_vote")
    op.drop_table("approval_vote")
    op.drop_index("ix_operator_invitation_token_hash", table_name="operator_invitation")
    op.drop_table("operator_invitation")
    with op.batch_alter_table("operator") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("role")
