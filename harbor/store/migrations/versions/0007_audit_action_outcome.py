"""audit: an (action, outcome, seq) index for the audit page filtered by action and outcome

Revision ID: 0007_audit_action_outcome
Revises: 0006_inbound_events
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_audit_action_outcome"
down_revision: str | None = "0006_inbound_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index the commonest pair of audit filters ("this action's failures") down to seq."""
    op.create_index(
        "ix_audit_event_action_outcome_seq", "audit_event", ["action", "outcome", "seq"]
    )


def downgrade() -> None:
    """Drop the pair index."""
    op.drop_index("ix_audit_event_action_outcome_seq", table_name="audit_event")
