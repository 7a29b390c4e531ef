"""The audit log's core: one writer, a hash chain, a head kept outside the table, verify.

Every event carries the hash of the previous one, so editing any event breaks the chain
from there on. The newest link (sequence and hash) is also written to a head file in the
data directory after each commit, so deleting the newest events is noticed too: the table
then ends before the head file says it should.

Events are written in the caller's transaction, so a change and its audit record land
together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event
from sqlmodel import Session, col, select

from harbor.errors import AuditUnavailable
from harbor.store.ports import AuditEvent, AuditHead
from harbor.store.types import utcnow

GENESIS_HASH = "0" * 64
HEAD_FILE_NAME = "audit.head"
ActorType = Literal["operator", "agent", "system"]

# SQLite serialises writers anyway; this keeps two threads of one process from reading the
# same head before either commits. PostgreSQL relies on the head row's FOR UPDATE lock.
_append_lock = threading.RLock()


@dataclass(frozen=True)
class Actor:
    """Who did what an event records."""

    type: ActorType
    name: str

    @classmethod
    def of(cls, principal: Any) -> Actor:
        """The actor for an authenticated ``Principal`` (the system when there is none)."""
        if principal is None:
            return SYSTEM
        return cls(type=principal.role, name=principal.name)


SYSTEM = Actor(type="system", name="harbor")


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON bytes: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def hashed_fields(ev: AuditEvent) -> dict[str, Any]:
    """The fields of an event that its hash covers."""
    return {
        "seq": ev.seq,
        "time": ev.time.isoformat(),
        "actor_type": ev.actor_type,
        "actor": ev.actor,
        "type": ev.type,
        "subject": ev.subject,
        "outcome": ev.outcome,
        "details": ev.details,
        "trace_id": ev.trace_id,
    }


def event_hash(prev_hash: str, ev: AuditEvent) -> str:
    """SHA-256 over the previous hash and the event's canonical JSON."""
    return hashlib.sha256(prev_hash.encode() + canonical_json(hashed_fields(ev))).hexdigest()


class AuditLog:
    """The one writer every change goes through, and the chain's verifier."""

    def __init__(self, data_dir: Path) -> None:
        self.head_file = data_dir / HEAD_FILE_NAME

    def record(
        self,
        session: Session,
        actor: Actor,
        type: str,
        subject: str = "",
        *,
        outcome: str = "ok",
        details: dict[str, Any] | None = None,
        trace_id: str | None = None,
    ) -> AuditEvent:
        """Append one event in the caller's transaction."""
        with _append_lock:
            head = session.exec(
                select(AuditHead).where(AuditHead.id == 1).with_for_update()
            ).first()
            if head is None:
                head = AuditHead(id=1, seq=0, hash=GENESIS_HASH)
            ev = AuditEvent(
                seq=head.seq + 1,
                time=utcnow(),
                actor_type=actor.type,
                actor=actor.name,
                type=type,
                subject=subject,
                outcome=outcome,
                details=json.loads(canonical_json(details or {})),
                trace_id=trace_id,
                prev_hash=head.hash,
                hash="",
            )
            ev.hash = event_hash(head.hash, ev)
            head.seq, head.hash = ev.seq, ev.hash
            session.add(ev)
            session.add(head)
            session.flush()
        self._write_head_after_commit(session, ev.seq, ev.hash)
        return ev

    def _write_head_after_commit(self, session: Session, seq: int, digest: str) -> None:
        session.info["harbor_audit_head"] = (seq, digest)
        if session.info.get("harbor_audit_listener"):
            return
        session.info["harbor_audit_listener"] = True

        def after_commit(committed: Any) -> None:
            pending = committed.info.pop("harbor_audit_head", None)
            if pending is not None:
                self.write_head(*pending)

        event.listen(session, "after_commit", after_commit)

    def write_head(self, seq: int, digest: str) -> None:
        """Atomically replace the head file, never moving it backwards."""
        current = self.read_head()
        if current is not None and current[0] >= seq:
            return
        self.head_file.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"seq": seq, "hash": digest})
        fd, tmp = tempfile.mkstemp(dir=self.head_file.parent, prefix=".audit-head-")
        with os.fdopen(fd, "w") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.head_file)

    def read_head(self) -> tuple[int, str] | None:
        """(seq, hash) from the head file, or None if there is none yet."""
        try:
            data = json.loads(self.head_file.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return (-1, "unreadable")
        return int(data["seq"]), str(data["hash"])


def record_change(
    session: Session,
    type: str,
    subject: str = "",
    *,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record an event in ``session``'s transaction, as the session's actor.

    Fail-closed: a session with no audit log bound refuses the change.
    """
    log = session.info.get("harbor_audit")
    if not isinstance(log, AuditLog):
        raise AuditUnavailable("no audit log is bound to this session; the change was refused")
    actor = session.info.get("harbor_actor") or SYSTEM
    return log.record(session, actor, type, subject, outcome=outcome, details=details)


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking the chain."""

    ok: bool
    checked: int
    head_seq: int
    first_broken_seq: int | None = None
    message: str = "the audit chain is intact"


def verify_chain(session: Session, log: AuditLog, batch: int = 5000) -> VerifyResult:
    """Recompute every link; report the first broken one and any missing newest events."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.seq) >= expected_seq)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            break
        for ev in rows:
            problem = _link_problem(ev, expected_seq, prev_hash)
            if problem:
                return VerifyResult(False, checked, last_seq, ev.seq if ev.seq else None, problem)
            prev_hash, expected_seq, last_seq = ev.hash, ev.seq + 1, ev.seq
            checked += 1
    return _check_head(session, log, checked, last_seq, prev_hash)


def _link_problem(ev: AuditEvent, expected_seq: int, prev_hash: str) -> str | None:
    if ev.seq != expected_seq:
        return f"event {expected_seq} is missing (the next one is {ev.seq})"
    if ev.prev_hash != prev_hash:
        return f"event {ev.seq} does not link to event {ev.seq - 1}"
    if event_hash(prev_hash, ev) != ev.hash:
        return f"event {ev.seq} was changed after it was written"
    return None


def _check_head(
    session: Session, log: AuditLog, checked: int, last_seq: int, last_hash: str
) -> VerifyResult:
    heads = []
    row = session.get(AuditHead, 1)
    if row is not None:
        heads.append(("the database head", row.seq, row.hash))
    file_head = log.read_head()
    if file_head is not None:
        heads.append((f"the head file {log.head_file}", *file_head))
    for where, seq, digest in heads:
        if seq > last_seq:
            return VerifyResult(
                False, checked, last_seq, last_seq + 1,
                f"events {last_seq + 1}..{seq} were deleted: {where} says the log ends at {seq}",
            )  # fmt: skip
        if seq == last_seq and digest != last_hash:
            return VerifyResult(
                False, checked, last_seq, seq, f"event {seq} does not match {where}"
            )
    return VerifyResult(True, checked, last_seq)
