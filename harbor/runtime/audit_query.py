"""Reading the audit log: filters, keyset pages newest first, exports as JSON lines or CloudEvents.

Pages never use OFFSET or COUNT: each is ``seq < cursor ORDER BY seq DESC LIMIT n`` on an
index that ends in ``seq`` (``ix_audit_event_<column>_seq``), so the first page and the ten
thousandth cost the same on a log of millions of events. A type prefix (``call.``) is first
resolved to the event types it covers (a loose index scan: one probe per distinct type), then
each type is read on its own index range and the few rows merged, instead of sorting every
matching event.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, false, text
from sqlmodel import Session, col, select

from harbor.contracts import AuditEventPublic, AuditPage
from harbor.errors import InvalidRequest, NotFound
from harbor.runtime.audit import event_record
from harbor.runtime.state import get_operator_settings
from harbor.store.ports import AuditEvent

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
EXPORT_BATCH = 500
ACTOR_TYPES = ("operator", "agent", "system")
CURSOR_PREFIX = "c"
#: Every string of this form is a cursor: a page request never fails on one.
CURSOR_PATTERN = re.compile(r"^c[0-9a-f]{1,15}$")
MAX_SEQ = 2**31 - 1
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AuditFilters:
    """What to select. ``type`` ending in ``.`` or ``*`` is a prefix (``call.`` → ``call.*``);
    ``actor`` is a name or ``type:name`` (``agent:ci-bot``); ``until`` is exclusive."""

    type: str | None = None
    actor: str | None = None
    port: str | None = None
    action: str | None = None
    call_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive time is taken as UTC, and one beyond year 1..9999 in UTC is
    clamped to that range (it selects the same events)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return EARLIEST if value.year == datetime.min.year else LATEST


def encode_cursor(seq: int) -> str:
    """The opaque cursor that continues after (below) event ``seq``."""
    return f"{CURSOR_PREFIX}{seq:x}"


def decode_cursor(cursor: str) -> int:
    """The sequence number a cursor stands for, or InvalidRequest."""
    if not CURSOR_PATTERN.fullmatch(cursor):
        raise InvalidRequest("the cursor is not one this node handed out")
    return min(int(cursor.removeprefix(CURSOR_PREFIX), 16), MAX_SEQ)


def list_events(
    session: Session,
    filters: AuditFilters,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> AuditPage:
    """One page of matching events, newest first, and the cursor of the next page."""
    limit = max(1, min(limit, MAX_LIMIT))
    conditions = _conditions(session, filters)
    if cursor:
        conditions.append(col(AuditEvent.seq) < decode_cursor(cursor))
    rows = _fetch(session, conditions, _types(session, filters.type), limit + 1, newest=True)
    events = [event_public(ev) for ev in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1].seq) if len(rows) > limit else None
    return AuditPage(events=events, next_cursor=next_cursor)


def iter_events(
    session: Session, filters: AuditFilters, batch: int = EXPORT_BATCH
) -> Iterator[AuditEvent]:
    """Every matching event, oldest first, read in batches (for exports)."""
    conditions = _conditions(session, filters)
    types = _types(session, filters.type)
    after = 0
    while True:
        bound = [*conditions, col(AuditEvent.seq) > after]
        rows = _fetch(session, bound, types, batch, newest=False)
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq


def read_event(session: Session, seq: int) -> AuditEventPublic:
    """One event by its sequence number, or NotFound (it may have been pruned)."""
    event = session.exec(select(AuditEvent).where(AuditEvent.seq == seq)).first()
    if event is None:
        raise NotFound(f"no audit event #{seq} (it never existed, or retention pruned it)")
    return event_public(event)


def export_lines(session: Session, filters: AuditFilters, format: str) -> Iterator[bytes]:
    """Every matching event, oldest first, one JSON object per line (``jsonl`` or
    ``cloudevents``)."""
    source = event_source(session)
    for ev in iter_events(session, filters):
        record = cloud_event(ev, source) if format == "cloudevents" else event_record(ev)
        yield json.dumps(record, separators=(",", ":")).encode() + b"\n"


def event_public(ev: AuditEvent) -> AuditEventPublic:
    """The public shape of an event."""
    return AuditEventPublic.model_validate(event_record(ev))


def cloud_event(ev: AuditEvent, source: str) -> dict[str, Any]:
    """The event as a structured-mode CloudEvent 1.0 (JSON)."""
    record = event_record(ev)
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": ev.hash,
        "source": source,
        "type": f"dev.harbor.audit.{ev.type}",
        "time": record["time"],
        "datacontenttype": "application/json",
        "data": record,
    }
    if ev.subject:
        envelope["subject"] = ev.subject
    return envelope


def event_source(session: Session) -> str:
    """``harbor://<node>``: the host of the operator's public URL, else this machine's name."""
    public_url = get_operator_settings(session).public_url
    host = urlsplit(public_url).hostname if public_url else None
    return f"harbor://{host or socket.gethostname()}"


def _fetch(
    session: Session,
    conditions: list[ColumnElement[bool]],
    types: list[str] | None,
    limit: int,
    *,
    newest: bool,
) -> list[AuditEvent]:
    """The first ``limit`` matching rows in seq order: one index range per type, merged."""
    order = col(AuditEvent.seq).desc() if newest else col(AuditEvent.seq)
    variants = [[]] if types is None else [[col(AuditEvent.type) == t] for t in types]
    rows: list[AuditEvent] = []
    for extra in variants:
        query = select(AuditEvent).where(*conditions, *extra).order_by(order).limit(limit)
        rows.extend(session.exec(query).all())
    if len(variants) > 1:
        rows.sort(key=lambda ev: ev.seq, reverse=newest)
    return rows[:limit]


def _types(session: Session, value: str | None) -> list[str] | None:
    """The event types a ``type`` filter selects; None when it does not filter by type."""
    if not value:
        return None
    if not value.endswith((".", "*")):
        return [value]
    prefix = value.rstrip("*")
    return [t for t in distinct_types(session) if t.startswith(prefix)]


def distinct_types(session: Session) -> list[str]:
    """Every event type in the log, by a loose scan of the type index (one probe per type)."""
    rows = session.execute(
        text(
            "WITH RECURSIVE types(t) AS ("
            " SELECT MIN(type) FROM audit_event"
            " UNION ALL"
            " SELECT (SELECT MIN(type) FROM audit_event WHERE type > types.t)"
            " FROM types WHERE types.t IS NOT NULL"
            ") SELECT t FROM types WHERE t IS NOT NULL"
        )
    ).all()
    return [str(row[0]) for row in rows]


def _first_seq_at_or_after(session: Session, when: datetime) -> int | None:
    """The first event at or after ``when`` (event times never go backwards along the chain)."""
    query = select(AuditEvent.seq).where(col(AuditEvent.time) >= when)
    query = query.order_by(col(AuditEvent.time), col(AuditEvent.seq)).limit(1)
    return session.exec(query).first()


def _time_bounds(session: Session, filters: AuditFilters) -> list[ColumnElement[bool]]:
    """Time filters, plus the same bounds as ``seq`` ranges so pages stay on the seq index."""
    found: list[ColumnElement[bool]] = []
    if filters.since is not None:
        since = as_utc(filters.since)
        found.append(col(AuditEvent.time) >= since)
        first = _first_seq_at_or_after(session, since)
        found.append(col(AuditEvent.seq) >= first if first is not None else false())
    if filters.until is not None:
        until = as_utc(filters.until)
        found.append(col(AuditEvent.time) < until)
        first = _first_seq_at_or_after(session, until)
        if first is not None:
            found.append(col(AuditEvent.seq) < first)
    return found


def _conditions(session: Session, filters: AuditFilters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.actor:
        kind, sep, name = filters.actor.partition(":")
        if sep and kind in ACTOR_TYPES:
            found += [col(AuditEvent.actor_type) == kind, col(AuditEvent.actor) == name]
        else:
            found.append(col(AuditEvent.actor) == filters.actor)
    for column, value in (
        (AuditEvent.port, filters.port),
        (AuditEvent.action, filters.action),
        (AuditEvent.call_id, filters.call_id),
        (AuditEvent.outcome, filters.outcome),
    ):
        if value:
            found.append(col(column) == value)
    return found + _time_bounds(session, filters)
