"""``/calls`` and ``/calls/{id}``: what agents asked for, and the timeline of one call."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse

from harbor.contracts import PORT_NAME_PATTERN, CallStatus
from harbor.runtime import audit_query
from harbor.runtime.audit_query import AuditFilters
from harbor.runtime.call_reads import CURSOR_PATTERN, CallFilter, list_calls, read_call
from harbor.ui.rendering import render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep

router = ui_router()
CallId = Annotated[str, Path(pattern=r"^call_[0-9a-f]{24}$")]
STATUSES = (
    "pending_approval", "approved", "running", "succeeded", "failed", "denied", "expired",
    "cancelled", "unknown",
)  # fmt: skip
PAGE_SIZE = 50
TIMELINE_LIMIT = 500


def _empty_to_none(value: str | None) -> str | None:
    return value.strip() or None if value else None


@router.get("/calls")
def calls_page(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    status: Annotated[CallStatus | None, Query()] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    port: Annotated[str | None, Query(max_length=30)] = None,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> HTMLResponse:
    """Calls newest first, filtered by status, action, port or agent, a page at a time."""
    filters = CallFilter(
        status=status,
        action=_empty_to_none(action),
        port=_empty_to_none(port),
        agent=_empty_to_none(agent),
    )
    page = list_calls(node, operator.principal, filters, cursor=cursor, limit=PAGE_SIZE)
    query = {k: v for k, v in vars(filters).items() if v and k != "since"}
    next_href = (
        f"/calls?{urlencode({**query, 'cursor': page.next_cursor})}" if page.next_cursor else None
    )
    return render(
        request,
        "calls/list.html",
        {
            "page": page,
            "filters": filters,
            "filtered": bool(query),
            "statuses": STATUSES,
            "next_href": next_href,
            "port_pattern": PORT_NAME_PATTERN,
            "first_page": cursor is None,
        },
    )


@router.get("/calls/{call_id}")
def call_page(
    request: Request, node: NodeDep, operator: OperatorDep, call_id: CallId
) -> HTMLResponse:
    """One call: request, decision, result or error, and every audit event about it in order."""
    call = read_call(node, operator.principal, call_id)
    with node.store.read_session() as session:
        events = audit_query.list_events(
            session, AuditFilters(call_id=call_id), limit=TIMELINE_LIMIT
        ).events
    return render(request, "calls/detail.html", {"call": call, "events": list(reversed(events))})
