"""Append many realistic, correctly chained audit events to a node's database, fast."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import select

from harbor.runtime.audit import AuditLog, canonical_json, event_hash
from harbor.settings import Settings
from harbor.store import Store
from harbor.store.ports import AuditEvent, AuditHead
from harbor.store.types import utcnow

#: The events of one governed call, in order.
CALL_EVENTS = ("call.requested", "policy.decided", "call.started", "call.succeeded")
BATCH = 20_000


def _event(seq: int, n: int, when: object) -> AuditEvent:
    call_id = f"call_{n:024d}"
    kind = CALL_EVENTS[seq % len(CALL_EVENTS)]
    failed = kind == "call.succeeded" and n % 50 == 0
    return AuditEvent(
        seq=seq,
        time=when,
        actor_type="agent",
        actor=f"agent-{n % 20}",
        type="call.failed" if failed else kind,
        subject=f"call:{call_id}",
        outcome="failed" if failed else "ok",
        details=json.loads(canonical_json({"action": "up.read_item", "version": 1})),
        trace_id=f"{n:032x}",
        prev_hash="",
        hash="",
        port="up",
        action="up.read_item",
        call_id=call_id,
    )


def fill_audit(settings: Settings, count: int) -> None:
    """Append ``count`` events after the existing ones, in batches, keeping the chain valid."""
    store = Store(settings.effective_database_url)
    log = AuditLog(settings.data_dir)
    with store.session() as session:
        head = session.exec(select(AuditHead).where(AuditHead.id == 1)).one()
        seq, prev = head.seq, head.hash
    start = utcnow() - timedelta(seconds=count)
    done = 0
    while done < count:
        rows = []
        for _ in range(min(BATCH, count - done)):
            seq += 1
            done += 1
            ev = _event(seq, done // len(CALL_EVENTS), start + timedelta(seconds=done))
            ev.prev_hash = prev
            ev.hash = prev = event_hash(prev, ev)
            rows.append(ev.model_dump())
        with store.engine.begin() as conn:
            conn.execute(insert(AuditEvent), rows)
    with store.session() as session:
        head = session.exec(select(AuditHead).where(AuditHead.id == 1)).one()
        head.seq, head.hash = seq, prev
        session.add(head)
    log.write_head(seq, prev)
    store.dispose()
