"""Incoming events: verified by the port's connector, replays refused, stored and audited.

``POST /hooks/{port}`` is public: the signature is the authentication. The connector's
``verify_inbound`` checks it; the core refuses an event id the port has seen before,
stores the event and records ``inbound.received`` in one transaction. A delivery the
connector refuses is recorded as ``inbound.refused`` and nothing is stored.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from harbor.connector import ConnectorError, InboundEvent
from harbor.contracts import InboundEventAccepted, InboundEventPage, InboundEventPublic
from harbor.errors import (
    AuditUnavailable,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    PortNotReady,
    Unauthorized,
)
from harbor.node import Node
from harbor.runtime.audit import Actor, record_change
from harbor.runtime.execution import PreparedPort, prepare_port_in
from harbor.runtime.identity import Principal
from harbor.runtime.ports import get_port
from harbor.store.inbound import InboundEventRow
from harbor.store.ports import Port

log = logging.getLogger("harbor.inbound")
#: The actor of audit events about deliveries: nobody authenticated but the signature.
SENDER = Actor(type="system", name="hooks")
MAX_EVENT_ID_LENGTH = 255
MAX_TYPE_LENGTH = 100


class _Replay(Exception):
    """The port already accepted an event with this id."""


def _receiving_port(node: Node, port_name: str) -> PreparedPort:
    """The port with its resolved secrets, if it exists, is enabled and receives events."""
    with node.store.read_session() as session:
        port = session.exec(select(Port).where(Port.name == port_name)).first()
        connector = node.connectors.get(port.connector) if port else None
        if port is None or connector is None or not connector.receives_events():
            raise NotFound(f"no port '{port_name}' that receives events")
        if port.disabled:
            raise PortNotReady(f"port '{port_name}' is disabled and accepts no events")
        return prepare_port_in(session, node, port)


def _verified(
    node: Node, prepared: PreparedPort, headers: Mapping[str, str], body: bytes
) -> InboundEvent:
    """The connector's verdict; any failure of it refuses the delivery (fail closed)."""
    try:
        event = prepared.connector.verify_inbound(prepared.context(node), headers, body)
    except ConnectorError as err:
        raise Unauthorized(
            f"the delivery to port '{prepared.name}' was refused: {err.message}"
        ) from err
    except Exception as err:
        log.exception("connector %s failed in verify_inbound", prepared.connector.type)
        raise Unauthorized(
            f"the delivery to port '{prepared.name}' was refused: the connector could not verify it"
        ) from err
    if not isinstance(event, InboundEvent) or not isinstance(event.payload, dict):
        raise Unauthorized(f"the connector of port '{prepared.name}' returned no event")
    if not isinstance(event.id, str) or not 0 < len(event.id) <= MAX_EVENT_ID_LENGTH:
        raise InvalidRequest(f"the event id must be 1 to {MAX_EVENT_ID_LENGTH} characters")
    return event


def _event_type(payload: dict[str, Any]) -> str | None:
    value = payload.get("type")
    return value[:MAX_TYPE_LENGTH] if isinstance(value, str) and value else None


def _store(node: Node, port_name: str, event: InboundEvent, size: int) -> None:
    """Insert the event and its audit event in one transaction; _Replay if its id was seen."""
    with node.store.session(SENDER) as session:
        port = get_port(session, port_name)
        assert port.id is not None
        seen = select(InboundEventRow.id).where(
            InboundEventRow.port_id == port.id, InboundEventRow.event_id == event.id
        )
        if session.exec(seen).first() is not None:
            raise _Replay
        row = InboundEventRow(
            port_id=port.id,
            port=port_name,
            event_id=event.id,
            type=_event_type(event.payload),
            payload=event.payload,
            size=size,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as err:  # the same id arrived twice at once
            raise _Replay from err
        details = {"event_id": event.id, "type": row.type, "bytes": size}
        _record(session, "inbound.received", port_name, details)


def _record(
    session: Session, type: str, port: str, details: dict[str, Any], outcome: str = "ok"
) -> None:
    """Audit a delivery in the session's transaction; any failure refuses it (fail closed)."""
    try:
        record_change(session, type, f"port:{port}", outcome=outcome, details=details, port=port)
    except Exception as err:
        raise AuditUnavailable(
            "the audit log could not be written, so the delivery was not accepted"
        ) from err


def _record_refusal(
    node: Node, port_name: str, reason: str, message: str, claimed_id: str | None
) -> None:
    """Audit a refused delivery in a transaction of its own (nothing else is written)."""
    details = {
        "reason": reason,
        "message": message[:500],
        "event_id": (claimed_id or "")[:MAX_EVENT_ID_LENGTH],
    }
    with node.store.session(SENDER) as session:
        _record(session, "inbound.refused", port_name, details, outcome=reason)


def receive_inbound_event(
    node: Node, port_name: str, headers: Mapping[str, str], body: bytes
) -> InboundEventAccepted:
    """Verify, de-duplicate, store and audit one delivery to ``POST /hooks/{port}``.

    NotFound when the port does not exist or receives nothing, PortNotReady when it is
    disabled, Unauthorized (audited) when the connector refuses the delivery, Conflict
    (audited) when the port already accepted an event with the same id.
    """
    prepared = _receiving_port(node, port_name)
    claimed_id = next((v for k, v in headers.items() if k.lower() == "webhook-id"), None)
    try:
        event = _verified(node, prepared, headers, body)
    except (Unauthorized, InvalidRequest) as err:
        reason = "invalid_signature" if isinstance(err, Unauthorized) else "invalid_event"
        _record_refusal(node, port_name, reason, err.detail, claimed_id)
        raise
    try:
        _store(node, port_name, event, len(body))
    except _Replay:
        _record_refusal(node, port_name, "replay", "the event id was already received", event.id)
        raise Conflict(
            f"port '{port_name}' already received event '{event.id}'; a replay is refused"
        ) from None
    return InboundEventAccepted(id=event.id, port=port_name)


# --- Reading ------------------------------------------------------------------------------


def scope_covers_port(scopes: tuple[str, ...] | list[str], port: str) -> bool:
    """Whether a scope glob matches some ``port.<action>`` (its port part matches the port)."""
    return any(fnmatch.fnmatchcase(port, scope.partition(".")[0]) for scope in scopes)


def _public(row: InboundEventRow) -> InboundEventPublic:
    return InboundEventPublic(
        id=row.event_id,
        port=row.port,
        type=row.type,
        payload=row.payload,
        size=row.size,
        received_at=row.received_at,
    )


def list_inbound_events(
    node: Node, principal: Principal, port: str, cursor: str | None = None, limit: int = 50
) -> InboundEventPage:
    """A port's events, newest first, keyset-paginated.

    The operator reads every port's events; an agent only those of ports its scopes cover
    (checked before the port's existence, so an agent cannot probe for ports).
    """
    if not principal.is_operator and not scope_covers_port(principal.scopes, port):
        raise Forbidden(f"this key's scopes do not cover port '{port}'")
    if cursor is not None and not cursor.isdigit():
        raise InvalidRequest("the cursor is not one this node gave out")
    with node.store.read_session() as session:
        found = get_port(session, port)
        query = select(InboundEventRow).where(InboundEventRow.port_id == found.id)
        if cursor is not None:
            query = query.where(col(InboundEventRow.id) < int(cursor))
        query = query.order_by(col(InboundEventRow.id).desc()).limit(limit + 1)
        rows = list(session.exec(query).all())
    more = len(rows) > limit
    next_cursor = str(rows[limit - 1].id) if more else None
    return InboundEventPage(events=[_public(r) for r in rows[:limit]], next_cursor=next_cursor)
