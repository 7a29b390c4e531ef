"""oauth: connections (granted scopes, expiry, refresh guard) and connects in progress

Revision ID: 0008_oauth
Revises: 0007_audit_action_outcome
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import harbor.store.types

revision: str = "0008_oauth"
down_revision: str | None = "0007_audit_action_outcome"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = harbor.store.types.UTCDateTime


def upgrade() -> None:
    """Add the oauth_connection and oauth_state tables."""
    op.create_table(
        "oauth_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("expires_at", TS(timezone=True), nullable=True),
        sa.Column("has_refresh_token", sa.Boolean(), nullable=False),
        sa.Column("connected_at", TS(timezone=True), nullable=False),
        sa.Column("refreshed_at", TS(timezone=True), nullable=True),
        sa.Column("refresh_lease_until", TS(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["port_id"], ["port.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_oauth_connection_port_id", "oauth_connection", ["port_id"], unique=True)
    op.create_table(
        "oauth_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.AutoString(length=128), nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=False),
        sa.Column("verifier_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("redirect_uri", sqlmodel.AutoString(length=300), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("expires_at", TS(timezone=True), nullable=False),
        sa.Column("created_at", TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["port_id"], ["port.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_oauth_state_state", "oauth_state", ["state"], unique=True)
    op.create_index("ix_oauth_state_port_id", "oauth_state", ["port_id"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("oauth_state")
    op.drop_table("oauth_connection")
