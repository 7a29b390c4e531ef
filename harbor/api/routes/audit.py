"""``/api/v1/audit``: query, export, verify and prune the audit log (operator only)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse

from harbor.api.deps import ActorDep, NodeDep
from harbor.contracts import (
    PORT_NAME_PATTERN,
    AuditEventPublic,
    AuditPage,
    AuditPrune,
    AuditPruneResult,
    AuditVerify,
    Problem,
)
from harbor.node import Node
from harbor.runtime import audit_query
from harbor.runtime.audit import verify_chain
from harbor.runtime.audit_query import AuditFilters, as_utc
from harbor.runtime.audit_retention import prune_audit_events, prune_by_retention

router = APIRouter(prefix="/audit", tags=["audit"])

NDJSON = "application/x-ndjson"
QUALIFIED_ACTION = r"^[a-z0-9][a-z0-9-]{0,29}\.[a-z][a-z0-9_]{0,31}$"
NO_RETENTION: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "No 'before' was sent and no retention is set"}
}
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One JSON object per line, oldest event first",
        "content": {NDJSON: {"schema": {"type": "string"}}},
    }
}


def audit_filters(
    type: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9_.:*-]{1,65}$", description="Exact type, or a prefix: call."),
    ] = None,
    actor: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9_.:@-]{1,80}$", description="Name, or type:name (agent:x)"),
    ] = None,
    port: Annotated[str | None, Query(pattern=PORT_NAME_PATTERN)] = None,
    action: Annotated[
        str | None, Query(pattern=QUALIFIED_ACTION, description="Qualified: port.action")
    ] = None,
    call: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="A call id")
    ] = None,
    outcome: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.-]{1,32}$")] = None,
    since: Annotated[datetime | None, Query(description="Events at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Events before (ISO 8601)")] = None,
) -> AuditFilters:
    """The filters shared by the list and the export."""
    return AuditFilters(
        type=type,
        actor=actor,
        port=port,
        action=action,
        call_id=call,
        outcome=outcome,
        since=as_utc(since) if since is not None else None,
        until=as_utc(until) if until is not None else None,
    )


FiltersDep = Annotated[AuditFilters, Depends(audit_filters)]


@router.get("", response_model=AuditPage)
def list_audit(
    node: NodeDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=audit_query.MAX_LIMIT)] = audit_query.DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(pattern=audit_query.CURSOR_PATTERN.pattern, description="next_cursor of a page"),
    ] = None,
) -> AuditPage:
    """Matching events, newest first; follow ``next_cursor`` for older ones."""
    with node.store.session() as session:
        return audit_query.list_events(session, filters, limit=limit, cursor=cursor)


@router.get("/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
def export_audit(
    node: NodeDep,
    filters: FiltersDep,
    format: Annotated[Literal["jsonl", "cloudevents"], Query()] = "jsonl",
) -> StreamingResponse:
    """Stream every matching event, oldest first, as JSON lines or CloudEvents (JSON lines)."""
    return StreamingResponse(_export_lines(node, filters, format), media_type=NDJSON)


def _export_lines(node: Node, filters: AuditFilters, format: str) -> Iterator[bytes]:
    with node.store.session() as session:
        yield from audit_query.export_lines(session, filters, format)


@router.get("/verify", response_model=AuditVerify)
def verify_audit(node: NodeDep) -> AuditVerify:
    """Recompute the hash chain; report the first broken link or deleted newest events."""
    with node.store.session() as session:
        result = verify_chain(session, node.audit)
    return AuditVerify(
        ok=result.ok,
        checked=result.checked,
        head_seq=result.head_seq,
        first_broken_seq=result.first_broken_seq,
        message=result.message,
    )


@router.post("/prune", response_model=AuditPruneResult, responses=NO_RETENTION)
def prune_audit(body: AuditPrune, node: NodeDep, actor: ActorDep) -> AuditPruneResult:
    """Delete events older than ``before`` (or the retention setting) behind a checkpoint."""
    with node.store.session(actor) as session:
        if body.before is None:
            result = prune_by_retention(session, node.audit)
        else:
            result = prune_audit_events(session, node.audit, as_utc(body.before))
    return AuditPruneResult(
        pruned=result.pruned, through_seq=result.through_seq, before=result.before
    )


@router.get(
    "/{seq}",
    response_model=AuditEventPublic,
    responses={404: {"model": Problem, "description": "No such event (or pruned)"}},
)
def read_audit_event(
    seq: Annotated[int, Path(ge=1, le=audit_query.MAX_SEQ)], node: NodeDep
) -> AuditEventPublic:
    """One event by its sequence number."""
    with node.store.read_session() as session:
        return audit_query.read_event(session, seq)
