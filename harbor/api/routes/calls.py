"""``/api/v1/actions`` and ``/api/v1/calls``: what an agent may call, and its calls."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from harbor.api.access import agent_access
from harbor.api.deps import NodeDep, PrincipalDep
from harbor.contracts import (
    QUALIFIED_ACTION_PATTERN,
    CallableAction,
    CallCreate,
    CallPage,
    CallPublic,
    CallStatus,
    Problem,
)
from harbor.runtime import call_reads, calls

router = APIRouter(tags=["calls"])
CallId = Annotated[str, Path(pattern=r"^call_[0-9a-f]{24}$")]


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    described = {
        403: "Outside the key's scopes, or denied by policy (policy_denied, naming the rule)",
        404: "No such published action or call",
        409: "Port not ready, or the same Idempotency-Key is still running",
        422: "Arguments do not match the input schema, or Idempotency-Key reused",
        429: "Rate limited (see Retry-After)",
        502: "The outside service failed (the call is stored as failed)",
        503: "Calls are paused, or the audit log cannot be written",
        504: "The outside service timed out (the call is stored as failed)",
    }
    return {code: {"model": Problem, "description": described[code]} for code in codes}


@router.get("/actions", response_model=list[CallableAction], openapi_extra=agent_access())
def list_callable_actions(node: NodeDep, principal: PrincipalDep) -> list[CallableAction]:
    """The published, enabled actions this key may call, with their input schemas."""
    with node.store.session() as session:
        return calls.list_callable_actions(session, principal)


@router.post(
    "/calls",
    response_model=CallPublic,
    responses={
        202: {"model": CallPublic, "description": "Waiting for the operator's approval"},
        **_problems(403, 404, 409, 422, 429, 502, 503, 504),
    },
    openapi_extra=agent_access(),
)
async def create_call(
    body: CallCreate,
    response: Response,
    node: NodeDep,
    principal: PrincipalDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> CallPublic:
    """Call an action: 200 when it ran, 202 when it waits for approval, a problem otherwise."""
    public, status = await calls.submit_call(node, principal, body, idempotency_key)
    response.status_code = status
    return public


@router.get(
    "/calls",
    response_model=CallPage,
    responses=_problems(),
    openapi_extra=agent_access(),
)
def list_calls(
    node: NodeDep,
    principal: PrincipalDep,
    status: Annotated[CallStatus | None, Query()] = None,
    action: Annotated[str | None, Query(pattern=QUALIFIED_ACTION_PATTERN)] = None,
    port: Annotated[str | None, Query(max_length=30)] = None,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query()] = None,
    cursor: Annotated[str | None, Query(pattern=call_reads.CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CallPage:
    """Calls, newest first (an agent sees only its own); follow ``next_cursor`` for more."""
    filters = call_reads.CallFilter(
        status=status, action=action, port=port, agent=agent, since=since
    )
    return call_reads.list_calls(node, principal, filters, cursor, limit)


@router.get(
    "/calls/{call_id}",
    response_model=CallPublic,
    responses=_problems(404),
    openapi_extra=agent_access(),
)
async def read_call(
    call_id: CallId,
    node: NodeDep,
    principal: PrincipalDep,
    wait: Annotated[float, Query(ge=0, le=60, description="Long-poll up to N seconds")] = 0,
) -> CallPublic:
    """One call; with ``wait`` the answer comes when it is final or after N seconds."""
    return await call_reads.wait_for_call(node, principal, call_id, wait)


@router.post(
    "/calls/{call_id}/cancel",
    response_model=CallPublic,
    responses=_problems(403, 404, 409),
    openapi_extra=agent_access(),
)
def cancel_call(call_id: CallId, node: NodeDep, principal: PrincipalDep) -> CallPublic:
    """Cancel a call still waiting for approval (only the agent that made it)."""
    return calls.cancel_call(node, principal, call_id)
