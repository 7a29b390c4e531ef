"""Reading calls: one call, a filtered page of calls, and long-polling for a call to finish.

An agent sees only its own calls; another agent's call does not exist for it (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
from sqlmodel import Session, col, select

from harbor.contracts import (
    FINAL_CALL_STATUSES,
    CallDecision,
    CallError,
    CallPage,
    CallPublic,
)
from harbor.errors import InvalidRequest, NotFound
from harbor.node import Node
from harbor.runtime.identity import Principal
from harbor.runtime.redaction import redact, redaction_key
from harbor.store.calls import Call
from harbor.store.ports import ActionVersion

MAX_WAIT_SECONDS = 60.0


def call_public(node: Node, session: Session, call: Call) -> CallPublic:
    """The call as agents and the operator see it, with sensitive arguments redacted."""
    version = session.get(ActionVersion, call.action_version_id)
    schema = version.input_schema if version else {}
    error = None
    if call.error_code:
        error = CallError(code=call.error_code, message=call.error_message or "")
    return CallPublic(
        id=call.id,
        action=call.action,
        port=call.port,
        version=call.version,
        agent=call.agent,
        status=call.status,
        arguments=redact(schema, call.arguments, redaction_key(node)),
        decision=CallDecision(**call.decision) if call.decision else None,
        approval_id=call.approval_id,
        edited=call.edited,
        reason=call.reason,
        result=call.result,
        error=error,
        trace_id=call.trace_id,
        created_at=call.created_at,
        updated_at=call.updated_at,
        started_at=call.started_at,
        finished_at=call.finished_at,
    )


def visible_call(session: Session, principal: Principal, call_id: str) -> Call:
    """The call if this caller may see it, else NotFound."""
    call = session.get(Call, call_id)
    if call is None or (not principal.is_operator and call.agent_id != principal.id):
        raise NotFound(f"no call '{call_id}'")
    return call


def read_call(node: Node, principal: Principal, call_id: str) -> CallPublic:
    """One call (blocking)."""
    with node.store.session() as session:
        return call_public(node, session, visible_call(session, principal, call_id))


async def wait_for_call(node: Node, principal: Principal, call_id: str, wait: float) -> CallPublic:
    """The call once it is final, or as it is after ``wait`` seconds (long-poll)."""
    deadline = anyio.current_time() + min(max(0.0, wait), MAX_WAIT_SECONDS)
    delay = 0.05
    while True:
        public = await anyio.to_thread.run_sync(read_call, node, principal, call_id)
        remaining = deadline - anyio.current_time()
        if public.status in FINAL_CALL_STATUSES or remaining <= 0:
            return public
        # Woken at once by this process; other workers' changes are seen by re-reading.
        await node.call_events.wait_for_change(call_id, min(delay, remaining))
        delay = min(delay * 2, 0.5)


@dataclass(frozen=True)
class CallFilter:
    """What ``GET /api/v1/calls`` may filter on."""

    status: str | None = None
    action: str | None = None
    port: str | None = None
    agent: str | None = None
    since: datetime | None = None


#: A position in the newest-first order: creation time in microseconds, then the call id.
CURSOR_PATTERN = r"^[0-9]{1,16}-call_[0-9a-f]{24}$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _encode_cursor(call: Call) -> str:
    micros = (call.created_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{call.id}"


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Any string matching CURSOR_PATTERN is a position, so a cursor is never "invalid"."""
    micros, _, call_id = cursor.partition("-")
    if not micros.isdigit() or len(micros) > 16 or not call_id.startswith("call_"):
        raise InvalidRequest("the cursor is not one this node gave out")
    return _EPOCH + timedelta(microseconds=int(micros)), call_id


def list_calls(
    node: Node,
    principal: Principal,
    filters: CallFilter,
    cursor: str | None = None,
    limit: int = 50,
) -> CallPage:
    """Calls newest first, keyset-paginated; an agent's list holds only its own calls."""
    query = select(Call)
    if not principal.is_operator:
        query = query.where(Call.agent_id == principal.id)
    elif filters.agent:
        query = query.where(Call.agent == filters.agent)
    for column, value in (
        (Call.status, filters.status),
        (Call.action, filters.action),
        (Call.port, filters.port),
    ):
        if value:
            query = query.where(column == value)
    if filters.since:
        query = query.where(col(Call.created_at) >= filters.since)
    if cursor:
        moment, call_id = _decode_cursor(cursor)
        query = query.where(
            (col(Call.created_at) < moment)
            | ((col(Call.created_at) == moment) & (col(Call.id) < call_id))
        )
    query = query.order_by(col(Call.created_at).desc(), col(Call.id).desc()).limit(limit + 1)
    with node.store.session() as session:
        rows = list(session.exec(query).all())
        more = len(rows) > limit
        page = [call_public(node, session, call) for call in rows[:limit]]
    return CallPage(calls=page, next_cursor=_encode_cursor(rows[limit - 1]) if more else None)
