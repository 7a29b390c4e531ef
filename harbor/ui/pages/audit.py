"""``/audit``: filter and page through the audit log, read one event, verify the chain, export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from harbor.errors import InvalidRequest
from harbor.node import Node
from harbor.runtime import audit_query
from harbor.runtime.audit import verify_chain
from harbor.runtime.audit_query import AuditFilters, as_utc
from harbor.store.types import utcnow
from harbor.ui.rendering import render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep

router = ui_router()
PAGE_SIZE = 50
FilterText = Annotated[str, Query(max_length=100)]
Moment = Annotated[str, Query(max_length=40)]
ExportFormat = Literal["jsonl", "cloudevents"]
#: Query names of the filters, as the API uses them (``call`` is the call id).
FILTER_NAMES = ("type", "actor", "port", "action", "call", "outcome", "since", "until")


def _moment(value: str, label: str) -> datetime | None:
    """A time typed into the filter (``2026-11-23T12:00``, taken as UTC), or None."""
    if not value.strip():
        return None
    try:
        return as_utc(datetime.fromisoformat(value.strip()))
    except ValueError as err:
        raise InvalidRequest(
            f"'{label}' is not a time; use the picker or write 2026-11-23T12:00 (UTC)"
        ) from err


def _filters(request: Request) -> tuple[AuditFilters, dict[str, str]]:
    """The audit filters of the page's query string, and the non-empty values as typed."""
    typed = {
        name: request.query_params.get(name, "").strip()[:100]
        for name in FILTER_NAMES
        if request.query_params.get(name, "").strip()
    }
    filters = AuditFilters(
        type=typed.get("type"),
        actor=typed.get("actor"),
        port=typed.get("port"),
        action=typed.get("action"),
        call_id=typed.get("call"),
        outcome=typed.get("outcome"),
        since=_moment(typed.get("since", ""), "From"),
        until=_moment(typed.get("until", ""), "Until"),
    )
    return filters, typed


@router.get("/audit")
def audit_page(
    request: Request,
    node: NodeDep,
    _operator: OperatorDep,
    cursor: Annotated[str | None, Query(pattern=audit_query.CURSOR_PATTERN.pattern)] = None,
) -> HTMLResponse:
    """Matching events newest first, ``PAGE_SIZE`` at a time."""
    error: InvalidRequest | None = None
    try:
        filters, typed = _filters(request)
    except InvalidRequest as err:  # a mistyped time: show the form again, with the reason
        error, typed = err, {k: v for k, v in request.query_params.items() if k in FILTER_NAMES}
        filters = AuditFilters(until=datetime.min.replace(tzinfo=UTC))
    with node.store.read_session() as session:
        page = audit_query.list_events(session, filters, limit=PAGE_SIZE, cursor=cursor)
        types = audit_query.distinct_types(session)
    next_href = None
    if page.next_cursor:
        next_href = f"/audit?{urlencode({**typed, 'cursor': page.next_cursor})}"
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "typed": typed,
            "types": types,
            "next_href": next_href,
            "export_query": urlencode(typed),
            "first_page": cursor is None,
        },
        status_code=error.status if error else 200,
        error=error,
    )


@router.get("/audit/verify")
def verify_page(request: Request, node: NodeDep, _operator: OperatorDep) -> HTMLResponse:
    """Recompute the whole hash chain and show the result."""
    with node.store.read_session() as session:
        result = verify_chain(session, node.audit)
    return render(request, "audit/verify.html", {"result": asdict(result), "at": utcnow()})


@router.get("/audit/export")
def export(
    request: Request,
    node: NodeDep,
    _operator: OperatorDep,
    format: Annotated[ExportFormat, Query()] = "jsonl",
) -> StreamingResponse:
    """Download the matching events, oldest first, as JSON lines or CloudEvents."""
    filters, _typed = _filters(request)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    name = f"harbor-audit-{stamp}{'-cloudevents' if format == 'cloudevents' else ''}.jsonl"
    return StreamingResponse(
        _lines(node, filters, format),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _lines(node: Node, filters: AuditFilters, format: str) -> Iterator[bytes]:
    with node.store.read_session() as session:
        yield from audit_query.export_lines(session, filters, format)


@router.get("/audit/{seq}")
def event_page(
    request: Request,
    node: NodeDep,
    _operator: OperatorDep,
    seq: Annotated[int, Path(ge=1, le=audit_query.MAX_SEQ)],
) -> HTMLResponse:
    """One event: who, what, how it ended, its details and its link in the chain."""
    with node.store.read_session() as session:
        event = audit_query.read_event(session, seq)
    return render(request, "audit/event.html", {"ev": event})
