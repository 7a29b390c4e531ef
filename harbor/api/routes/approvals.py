"""``/api/v1/approvals``: the operator's decisions on calls waiting for them (operator only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from harbor.api.access import operator_role
from harbor.api.deps import ActorDep, NodeDep, PrincipalDep
from harbor.contracts import (
    ApprovalApprove,
    ApprovalDeny,
    ApprovalPublic,
    ApprovalStatus,
    Problem,
)
from harbor.runtime import approvals
from harbor.runtime.audit import Actor

router = APIRouter(prefix="/approvals", tags=["approvals"])
ApprovalId = Annotated[str, Path(pattern=r"^apr_[0-9a-f]{24}$")]
DECIDE: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such approval"},
    409: {"model": Problem, "description": "Already decided, or expired"},
    422: {"model": Problem, "description": "Edited arguments do not match the input schema"},
}


@router.get("", response_model=list[ApprovalPublic])
def list_approvals(
    node: NodeDep,
    status: Annotated[ApprovalStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ApprovalPublic]:
    """Approvals, newest first; ``?status=pending`` for those waiting."""
    return approvals.list_approvals(node, status, limit)


@router.get("/{approval_id}", response_model=ApprovalPublic, responses={404: DECIDE[404]})
def read_approval(approval_id: ApprovalId, node: NodeDep) -> ApprovalPublic:
    """One approval with the call's (redacted) arguments."""
    return approvals.read_approval(node, approval_id)


@router.post(
    "/{approval_id}/approve",
    response_model=ApprovalPublic,
    responses={**DECIDE, 403: {"model": Problem, "description": "Remember needs the owner"}},
    openapi_extra=operator_role("approver"),
)
def approve(
    approval_id: ApprovalId, body: ApprovalApprove, node: NodeDep, principal: PrincipalDep
) -> ApprovalPublic:
    """Approve the exact call (optionally edited, optionally remembered); it runs once.

    When the call needs several approvers, each approves once; the call runs after the last.
    """
    return approvals.approve_call(
        node, approval_id, Actor.of(principal), body, role=principal.operator_role or "owner"
    )


@router.post(
    "/{approval_id}/deny",
    response_model=ApprovalPublic,
    responses=DECIDE,
    openapi_extra=operator_role("approver"),
)
def deny(
    approval_id: ApprovalId, body: ApprovalDeny, node: NodeDep, actor: ActorDep
) -> ApprovalPublic:
    """Deny the call; the reason is given back to the agent."""
    return approvals.deny_call(node, approval_id, actor, body)
