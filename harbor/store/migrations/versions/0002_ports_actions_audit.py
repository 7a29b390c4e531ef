"""ports, secrets, actions, drafts, audit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:16:16.119007
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import harbor.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("time", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("actor", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("type", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("subject", sqlmodel.AutoString(length=200), nullable=False),
        sa.Column("outcome", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("trace_id", sqlmodel.AutoString(length=64), nullable=True),
        sa.Column("prev_hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_time"), ["time"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_type"), ["type"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sqlmodel.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "port",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.AutoString(length=30), nullable=False),
        sa.Column("connector", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("description", sqlmodel.AutoString(length=2000), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("auth_failed", sa.Boolean(), nullable=False),
        sa.Column("last_check_ok", sa.Boolean(), nullable=True),
        sa.Column("last_check_message", sqlmodel.AutoString(length=2000), nullable=False),
        sa.Column("last_check_at", harbor.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("port", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_port_name"), ["name"], unique=True)

    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("state", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["port_id"], ["port.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("port_id", "name"),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_port_id"), ["port_id"], unique=False)

    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=False),
        sa.Column("action_name", sqlmodel.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("description", sqlmodel.AutoString(length=4000), nullable=False),
        sa.Column("risk", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("input_schema", sa.JSON(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("validation", sa.JSON(), nullable=True),
        sa.Column("test_result", sa.JSON(), nullable=True),
        sa.Column("reason", sqlmodel.AutoString(length=2000), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("created_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["port_id"], ["port.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_port_id"), ["port_id"], unique=False)

    op.create_table(
        "port_secret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("port_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("reference", sqlmodel.AutoString(length=1024), nullable=True),
        sa.Column("set_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["port_id"], ["port.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("port_id", "name"),
    )
    with op.batch_alter_table("port_secret", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_port_secret_port_id"), ["port_id"], unique=False)

    op.create_table(
        "action_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.AutoString(length=64), nullable=False),
        sa.Column("description", sqlmodel.AutoString(length=4000), nullable=False),
        sa.Column("risk", sqlmodel.AutoString(length=16), nullable=False),
        sa.Column("input_schema", sa.JSON(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("rolled_back_from", sa.Integer(), nullable=True),
        sa.Column("published_at", harbor.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("action_id", "version"),
    )
    with op.batch_alter_table("action_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_version_action_id"), ["action_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("action_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_version_action_id"))

    op.drop_table("action_version")
    with op.batch_alter_table("port_secret", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_port_secret_port_id"))

    op.drop_table("port_secret")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_port_id"))

    op.drop_table("draft")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_port_id"))

    op.drop_table("action")
    with op.batch_alter_table("port", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_port_name"))

    op.drop_table("port")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_type"))
        batch_op.drop_index(batch_op.f("ix_audit_event_time"))
        batch_op.drop_index(batch_op.f("ix_audit_event_subject"))

    op.drop_table("audit_event")
