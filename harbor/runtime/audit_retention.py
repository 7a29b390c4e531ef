"""Audit retention: prune the oldest events behind a checkpoint that keeps the chain verifiable.

Pruning deletes a prefix of the chain, events ``1..N``, and stores event ``N``'s sequence
and hash as the checkpoint (``audit_checkpoint``). ``verify_chain`` then starts from it, and
the ``audit.pruned`` event recorded in the same transaction vouches for the checkpoint, so
deleting old events by hand (without that event) is still reported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from harbor.errors import Conflict, InvalidRequest
from harbor.runtime.audit import PRUNED_EVENT, SYSTEM, AuditLog
from harbor.runtime.state import get_operator_settings
from harbor.store.ports import AuditCheckpoint, AuditEvent, AuditHead
from harbor.store.types import utcnow

if TYPE_CHECKING:
    from harbor.node import Node

log = logging.getLogger("harbor.audit")


@dataclass(frozen=True)
class PruneResult:
    """What a prune removed: how many events, through which sequence number."""

    pruned: int
    through_seq: int | None
    before: datetime


def prune_audit(session: Session, log: AuditLog, before: datetime) -> int:
    """Delete the events older than ``before`` behind a checkpoint; return how many."""
    return prune_audit_events(session, log, before).pruned


def prune_audit_events(session: Session, log: AuditLog, before: datetime) -> PruneResult:
    """Prune and report the checkpoint; nothing is recorded when nothing is old enough.

    Only a prefix of the chain can go, so an event is pruned only when it and every event
    before it are older than ``before``.
    """
    if before.tzinfo is None:
        raise InvalidRequest("'before' must carry a time zone (e.g. 2026-01-01T00:00:00Z)")
    # Serialise with every writer: the head row is what each append locks.
    session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    through = _newest_prunable(session, before)
    if through is None:
        return PruneResult(0, None, before)
    deleted = session.execute(delete(AuditEvent).where(col(AuditEvent.seq) <= through.seq))
    count = int(getattr(deleted, "rowcount", 0) or 0)
    checkpoint = session.get(AuditCheckpoint, 1) or AuditCheckpoint(
        id=1, seq=through.seq, hash=through.hash, time=through.time
    )
    checkpoint.seq, checkpoint.hash, checkpoint.time = through.seq, through.hash, through.time
    checkpoint.pruned_at = utcnow()
    session.add(checkpoint)
    actor = session.info.get("harbor_actor") or SYSTEM
    details = {
        "before": before.isoformat(),
        "through_seq": through.seq,
        "through_hash": through.hash,
        "count": count,
    }
    log.record(session, actor, PRUNED_EVENT, "audit", details=details)
    return PruneResult(count, through.seq, before)


def _newest_prunable(session: Session, before: datetime) -> AuditEvent | None:
    """The last event of the longest prefix of the chain that is entirely older than ``before``."""
    first_kept = session.exec(
        select(func.min(AuditEvent.seq)).where(col(AuditEvent.time) >= before)
    ).one()
    query = select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)
    if first_kept is not None:
        query = query.where(col(AuditEvent.seq) < first_kept)
    return session.exec(query).first()


def retention_cutoff(session: Session, now: datetime | None = None) -> datetime | None:
    """The time before which events may go, from ``audit_retention_days``; None keeps all."""
    days = get_operator_settings(session).audit_retention_days
    if days is None:
        return None
    return (now or utcnow()) - timedelta(days=days)


def prune_by_retention(session: Session, log: AuditLog) -> PruneResult:
    """Prune what the operator's retention setting allows; refuse when none is set."""
    before = retention_cutoff(session)
    if before is None:
        raise Conflict(
            "no audit retention is set; send 'before', or set audit_retention_days first"
        )
    return prune_audit_events(session, log, before)


def apply_audit_retention(node: Node) -> int:
    """Prune by the retention setting, if one is set; never raises (runs at node start)."""
    try:
        with node.store.session() as session:
            before = retention_cutoff(session)
            if before is None:
                return 0
            result = prune_audit_events(session, node.audit, before)
    except Exception:
        log.exception("audit retention could not prune old events")
        return 0
    if result.pruned:
        log.info("audit retention pruned %d event(s) through %s", result.pruned, result.through_seq)
    return result.pruned
