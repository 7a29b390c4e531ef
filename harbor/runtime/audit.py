"""The audit log's core: one writer, a hash chain, a head kept outside the table, verify.

Every event carries the hash of the previous one, so editing any event breaks the chain
from there on. The newest link (sequence and hash) is also written to a head file in the
data directory after each commit, so deleting the newest events is noticed too: the table
then ends before the head file says it should.

Events are written in the caller's transaction, so a change and its audit record land
together or not at all. That table write is the primary sink and it is fail-closed: if it
fails, the change (or the outside call) does not happen. After the transaction commits, the
committed events go to every further sink registered through ``harbor_register_audit_sinks``
(each on its own: one that fails is logged and reported, and never silences another).
Retention may prune the oldest events behind a checkpoint (``audit_retention``); the chain is
then verified from the checkpoint on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import event
from sqlmodel import Session, col, select

from harbor.errors import AuditUnavailable
from harbor.store.engine import AUDITED_KEY
from harbor.store.ports import AuditCheckpoint, AuditEvent, AuditHead
from harbor.store.types import utcnow

if TYPE_CHECKING:
    from harbor.hookspecs import AuditSink

logger = logging.getLogger("harbor.audit")

GENESIS_HASH = "0" * 64
HEAD_FILE_NAME = "audit.head"
ActorType = Literal["operator", "agent", "system"]
#: Fields hashed only when set, so events written before they existed still verify.
OPTIONAL_HASHED_FIELDS = ("port", "action", "call_id")
PRUNED_EVENT = "audit.pruned"

# SQLite serialises writers anyway; this keeps two threads of one process from reading the
# same head before either commits. PostgreSQL relies on the head row's FOR UPDATE lock.
_append_lock = threading.RLock()
#: session.info key of the head row and newest event time read in the current transaction.
TAIL_KEY = "harbor_audit_tail"


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
        **{name: getattr(ev, name) for name in OPTIONAL_HASHED_FIELDS if getattr(ev, name)},
    }


def event_record(ev: AuditEvent) -> dict[str, Any]:
    """An event as sinks, the API and exports see it (JSON-ready, every column)."""
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
        "port": ev.port,
        "action": ev.action,
        "call_id": ev.call_id,
        "prev_hash": ev.prev_hash,
        "hash": ev.hash,
    }


def event_hash(prev_hash: str, ev: AuditEvent) -> str:
    """SHA-256 over the previous hash and the event's canonical JSON."""
    return hashlib.sha256(prev_hash.encode() + canonical_json(hashed_fields(ev))).hexdigest()


class AuditLog:
    """The one writer every change goes through, its sinks, and the chain's verifier.

    ``sinks`` are the secondary sinks (the JSON-lines file, plugins' sinks): they receive
    committed events. ``sink_errors`` maps the name of each sink whose latest write failed to
    that error; ``sink_failures`` counts every failed write per sink since the node started.
    """

    def __init__(self, data_dir: Path, sinks: Sequence[AuditSink] = ()) -> None:
        self.head_file = data_dir / HEAD_FILE_NAME
        self.sinks: list[AuditSink] = list(sinks)
        self.sink_errors: dict[str, str] = {}
        self.sink_failures: dict[str, int] = {}
        self._deliver_lock = threading.Lock()
        self._head_lock = threading.Lock()
        self._last_committed: tuple[int, datetime] | None = None
        self.write_observer: Callable[[float], None] | None = None
        """Called with the seconds each event took to reach the database (metrics)."""

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
        port: str | None = None,
        action: str | None = None,
        call_id: str | None = None,
    ) -> AuditEvent:
        """Append one event in the caller's transaction.

        ``port``, ``action`` (qualified ``port.action``) and ``call_id`` are stored in their
        own indexed columns for filtering, and hashed when set. A failure to write the event
        is :class:`AuditUnavailable`; the caller's transaction must then roll back.
        """
        with _append_lock:
            head, previous_time = self._locked_head(session)
            now = utcnow()
            ev = AuditEvent(
                seq=head.seq + 1,
                time=max(now, previous_time) if previous_time is not None else now,
                actor_type=actor.type,
                actor=actor.name,
                type=type,
                subject=subject,
                outcome=outcome,
                details=json.loads(canonical_json(details or {})),
                trace_id=trace_id,
                port=port,
                action=action,
                call_id=call_id,
                prev_hash=head.hash,
                hash="",
            )
            ev.hash = event_hash(head.hash, ev)
            head.seq, head.hash = ev.seq, ev.hash
            session.info[TAIL_KEY] = (head, ev.time)
            session.info[AUDITED_KEY] = True
            # Written by the flush at commit, with the transaction's other rows: one INSERT
            # round per transaction instead of one per event. A failure there is still
            # AuditUnavailable (Store._commit), and the whole transaction rolls back.
            session.add(ev)
            session.add(head)
        self._after_commit(session, ev)
        return ev

    def _locked_head(self, session: Session) -> tuple[AuditHead, datetime | None]:
        """The chain's head row, locked for this transaction, and the newest event's time.

        Read once per transaction: the lock (SQLite's write lock, PostgreSQL's row lock) is
        held until commit, so later events of the same transaction reuse what was read.
        """
        cached = session.info.get(TAIL_KEY)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
        if head is None:
            return AuditHead(id=1, seq=0, hash=GENESIS_HASH), None
        return head, self._newest_time(session, head.seq)

    def _newest_time(self, session: Session, seq: int) -> datetime | None:
        """The time of event ``seq``: remembered from this process's last commit when that
        is still the newest event (another worker may have written since), else read."""
        known = self._last_committed
        if known is not None and known[0] == seq:
            return known[1]
        previous = session.get(AuditEvent, seq) if seq else None
        return previous.time if previous is not None else None

    def _after_commit(self, session: Session, ev: AuditEvent) -> None:
        """Remember ``ev`` until the transaction commits; then write the head and the sinks."""
        session.info["harbor_audit_head"] = (ev.seq, ev.hash)
        session.info.setdefault("harbor_audit_pending", []).append(event_record(ev))
        if session.info.get("harbor_audit_listener"):
            return
        session.info["harbor_audit_listener"] = True

        def after_commit(committed: Any) -> None:
            tail = committed.info.pop(TAIL_KEY, None)
            if tail is not None:
                self._last_committed = (tail[0].seq, tail[1])
            pending = committed.info.pop("harbor_audit_head", None)
            events = committed.info.pop("harbor_audit_pending", [])
            try:
                if pending is not None:
                    self.write_head(*pending)
            finally:
                if events:
                    self.deliver(events)

        def after_rollback(rolled_back: Any) -> None:
            rolled_back.info.pop(TAIL_KEY, None)
            rolled_back.info.pop("harbor_audit_head", None)
            rolled_back.info.pop("harbor_audit_pending", None)

        event.listen(session, "after_commit", after_commit)
        event.listen(session, "after_rollback", after_rollback)

    def deliver(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Hand committed events to every secondary sink, each in its own try/except."""
        with self._deliver_lock:
            for sink in list(self.sinks):
                name = str(getattr(sink, "name", repr(sink)))
                try:
                    sink.write(events)
                except Exception as err:  # one broken sink must never silence another
                    self.sink_errors[name] = f"{err.__class__.__name__}: {err}"
                    self.sink_failures[name] = self.sink_failures.get(name, 0) + 1
                    logger.exception("audit sink %s failed to write %d event(s)", name, len(events))
                else:
                    self.sink_errors.pop(name, None)

    def write_head(self, seq: int, digest: str) -> None:
        """Atomically replace the head file, never moving it backwards.

        Not fsync'd: the database commit before it is durable, and a head file that lags
        after a power cut only misses deletions of the last moments, never reports a false
        break (verify flags a head *ahead* of the table). The JSON-lines sink, fsync'd per
        batch, is the durable copy outside the table.
        """
        with self._head_lock:
            current = self.read_head()
            if current is not None and current[0] >= seq:
                return
            self.head_file.parent.mkdir(parents=True, exist_ok=True)
            staged = self.head_file.with_name(f".{HEAD_FILE_NAME}.{os.getpid()}.tmp")
            staged.write_text(json.dumps({"seq": seq, "hash": digest}))
            os.replace(staged, self.head_file)

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
    trace_id: str | None = None,
    port: str | None = None,
    action: str | None = None,
    call_id: str | None = None,
) -> AuditEvent:
    """Record an event in ``session``'s transaction, as the session's actor.

    Fail-closed: a session with no audit log bound refuses the change.
    """
    audit = session.info.get("harbor_audit")
    if not isinstance(audit, AuditLog):
        raise AuditUnavailable("no audit log is bound to this session; the change was refused")
    actor = session.info.get("harbor_actor") or SYSTEM
    return audit.record(
        session, actor, type, subject, outcome=outcome, details=details, trace_id=trace_id,
        port=port, action=action, call_id=call_id,
    )  # fmt: skip


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking the chain."""

    ok: bool
    checked: int
    head_seq: int
    first_broken_seq: int | None = None
    message: str = "the audit chain is intact"


def verify_chain(session: Session, log: AuditLog, batch: int = 5000) -> VerifyResult:
    """Recompute every link; report the first broken one and any missing newest events.

    After a prune the chain starts at the checkpoint (the last pruned event), and the
    ``audit.pruned`` event that set the checkpoint must still be in the chain.
    """
    checkpoint = session.get(AuditCheckpoint, 1)
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    if checkpoint is not None:
        prev_hash, expected_seq = checkpoint.hash, checkpoint.seq + 1
    last_seq, vouched = expected_seq - 1, checkpoint is None
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
            vouched = vouched or _vouches_for(ev, checkpoint)
    if not vouched:
        assert checkpoint is not None
        return VerifyResult(
            False, checked, last_seq, checkpoint.seq + 1,
            f"the checkpoint at event {checkpoint.seq} is not backed by an {PRUNED_EVENT} "
            "event: events may have been deleted from the start of the log",
        )  # fmt: skip
    return _check_head(session, log, checked, last_seq, prev_hash)


def _vouches_for(ev: AuditEvent, checkpoint: AuditCheckpoint | None) -> bool:
    """Whether ``ev`` is the prune event that set ``checkpoint``."""
    if checkpoint is None or ev.type != PRUNED_EVENT:
        return False
    details = ev.details or {}
    return (
        details.get("through_seq") == checkpoint.seq
        and details.get("through_hash") == checkpoint.hash
    )


def _link_problem(ev: AuditEvent, expected_seq: int, prev_hash: str) -> str | None:
    if ev.seq != expected_seq:
        return f"event {expected_seq} is missing (the next one is {ev.seq})"
    if ev.prev_hash != prev_hash:
        return f"event {ev.seq} does not link to event {ev.seq - 1}"
    if event_hash(prev_hash, ev) != ev.hash:
        return f"event {ev.seq} was changed after it was written"
    return None


def _sink_heads(log: AuditLog) -> list[tuple[str, int, str]]:
    """(where, seq, hash) of every sink that keeps a head of its own (``read_head()``)."""
    found = []
    for sink in log.sinks:
        name = getattr(sink, "name", repr(sink))
        read_head = getattr(sink, "read_head", None)
        if not callable(read_head):
            continue
        try:
            head = read_head()
        except Exception:
            logger.warning("audit sink %s could not report its head", name, exc_info=True)
            continue
        if head is not None:
            found.append((f"the audit sink {name}", int(head[0]), str(head[1])))
    return found


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
    heads.extend(_sink_heads(log))
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
