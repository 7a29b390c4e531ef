"""The cloud's own audit log: every admin action and security event, with who did it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from harbor_cloud.store.engine import iso, utcnow
from harbor_cloud.store.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who did something: an account (member or admin), a node, or the system."""

    id: str | None
    role: str

    @classmethod
    def system(cls) -> Actor:
        """The cloud itself, or someone not yet identified (a failed sign-in)."""
        return cls(id=None, role="system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session's transaction (it commits with what it records)."""
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id,
        actor_role=actor.role,
        action=action,
        subject=subject,
        details=details,
    )
    session.add(event)
    return event


def recent_events(
    session: Session, limit: int = 200, subject: str | None = None
) -> list[AuditEvent]:
    """The newest audit events first, optionally only those about ``subject``."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    return list(session.exec(query))


def event_public(event: AuditEvent) -> dict[str, Any]:
    """An audit event as the API shows it."""
    return {
        "id": event.id,
        "at": iso(event.at),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "subject": event.subject,
        "details": event.details,
    }
