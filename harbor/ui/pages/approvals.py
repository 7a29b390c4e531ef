"""``/approvals`` and ``/approvals/{id}``: decide calls waiting for the operator.

Approve, deny (the note is the reason the agent gets), approve and remember, and approve
with edits: the edited arguments are checked against the input schema on the server and the
change is shown as a diff before the operator confirms.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.api.access import operator_role
from harbor.contracts import (
    ApprovalApprove,
    ApprovalDeny,
    ApprovalPublic,
    ApprovalStatus,
    CallPublic,
)
from harbor.errors import HarborError, InvalidArguments
from harbor.node import Node
from harbor.runtime import approvals
from harbor.runtime.call_reads import read_call
from harbor.runtime.redaction import is_redacted
from harbor.ui.rendering import pretty_json, redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep, OperatorSession, local_path

router = ui_router()
ApprovalId = Annotated[str, Path(pattern=r"^apr_[0-9a-f]{24}$")]
Note = Annotated[str, Form(max_length=2000)]
Checkbox = Annotated[bool, Form()]
Back = Annotated[str, Form(max_length=300)]
HIDDEN = "•••••• (sensitive, hidden)"
RECENT_DECIDED = 20


@dataclass(frozen=True)
class ApprovalView:
    """An approval with its call, ready to show."""

    approval: ApprovalPublic
    call: CallPublic

    @property
    def arguments_shown(self) -> str:
        """The arguments as pretty JSON, sensitive values masked."""
        return pretty_json(mask(self.approval.arguments))


def mask(value: Any) -> Any:
    """``value`` with every redaction token replaced by a plain "hidden" marker."""
    if is_redacted(value):
        return HIDDEN
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def _view(node: Node, operator: OperatorSession, approval: ApprovalPublic) -> ApprovalView:
    return ApprovalView(approval, read_call(node, operator.principal, approval.call_id))


@router.get("/approvals")
def approvals_page(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    status: Annotated[ApprovalStatus | None, Query()] = None,
) -> HTMLResponse:
    """Pending approvals first (refreshing by themselves), then the latest decisions."""
    pending = approvals.list_approvals(node, "pending", 200) if status in (None, "pending") else []
    decided = [] if status == "pending" else approvals.list_approvals(node, status, RECENT_DECIDED)
    decided = [a for a in decided if a.status != "pending"]
    return render(
        request,
        "approvals/list.html",
        {
            "pending": [_view(node, operator, a) for a in pending],
            "decided": decided,
            "status": status,
        },
    )


@router.get("/approvals/{approval_id}")
def approval_page(
    request: Request, node: NodeDep, operator: OperatorDep, approval_id: ApprovalId
) -> HTMLResponse:
    """One approval: everything about the call, the decision forms and the editor."""
    return _detail(request, node, operator, approval_id)


def _detail(
    request: Request,
    node: Node,
    operator: OperatorSession,
    approval_id: str,
    *,
    edited_text: str | None = None,
    error: HarborError | None = None,
) -> HTMLResponse:
    view = _view(node, operator, approvals.read_approval(node, approval_id))
    context = {
        "view": view,
        "schema": approvals.approval_input_schema(node, approval_id),
        "edited_text": edited_text
        if edited_text is not None
        else pretty_json(view.approval.arguments),
    }
    status = error.status if error else 200
    return render(request, "approvals/detail.html", context, status_code=status, error=error)


def _back(back: str, approval_id: str) -> str:
    return local_path(back) or f"/approvals/{approval_id}"


@router.post(
    "/approvals/{approval_id}/approve",
    response_model=None,
    openapi_extra=operator_role("approver"),
)
def approve(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    approval_id: ApprovalId,
    note: Note = "",
    remember: Checkbox = False,
    remember_arguments: Checkbox = False,
    arguments: Annotated[str | None, Form(max_length=200_000)] = None,
    back: Back = "",
) -> HTMLResponse | RedirectResponse:
    """Approve the exact call (or its confirmed edit); it runs once."""
    try:
        edited = _parse_arguments(arguments) if arguments else None
        body = ApprovalApprove(
            note=note.strip(),
            arguments=edited,
            remember=remember,
            remember_arguments=remember and remember_arguments,
        )
        decided = approvals.approve_call(
            node, approval_id, operator.actor, body, role=operator.role
        )
    except HarborError as err:
        if arguments:
            return _detail(request, node, operator, approval_id, edited_text=arguments, error=err)
        return redirect_to(request, _back(back, approval_id), err.detail, "error")
    if decided.status == "pending":
        waiting = decided.approvals_needed - len(decided.votes)
        return redirect_to(
            request,
            _back(back, approval_id),
            f"Your approval is recorded; {decided.action} runs after {waiting} more "
            f"operator{'s' if waiting != 1 else ''} approve{'' if waiting != 1 else 's'}.",
        )
    done = f"Approved {decided.action}; the call runs now."
    if remember:
        done += " A policy rule now allows it for this agent."
    return redirect_to(request, _back(back, approval_id), done)


@router.post(
    "/approvals/{approval_id}/deny",
    response_model=None,
    openapi_extra=operator_role("approver"),
)
def deny(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    approval_id: ApprovalId,
    note: Note = "",
    back: Back = "",
) -> RedirectResponse:
    """Deny the call; the note is the reason the agent receives."""
    try:
        decided = approvals.deny_call(
            node, approval_id, operator.actor, ApprovalDeny(reason=note.strip())
        )
    except HarborError as err:
        return redirect_to(request, _back(back, approval_id), err.detail, "error")
    return redirect_to(
        request, _back(back, approval_id), f"Denied {decided.action}; the agent has the reason."
    )


def _parse_arguments(text: str) -> dict[str, Any]:
    """The edited arguments: a JSON object, or InvalidArguments saying where it broke."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidArguments(
            f"the arguments are not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from err
    if not isinstance(value, dict):
        raise InvalidArguments("the arguments must be a JSON object ({...})")
    return value


@dataclass(frozen=True)
class DiffLine:
    """One line of the before/after comparison."""

    kind: str  # "add", "del" or "same"
    text: str


def arguments_diff(before: dict[str, Any], after: dict[str, Any]) -> list[DiffLine]:
    """The change from ``before`` to ``after`` line by line, sensitive values masked."""
    old = pretty_json(mask(before)).splitlines()
    new = pretty_json(mask(after)).splitlines()
    lines: list[DiffLine] = []
    for line in difflib.ndiff(old, new):
        tag, text = line[:2], line[2:]
        if tag == "? ":
            continue
        kind = {"+ ": "add", "- ": "del"}.get(tag, "same")
        lines.append(DiffLine(kind, text))
    return lines


@router.post(
    "/approvals/{approval_id}/edit",
    response_model=None,
    openapi_extra=operator_role("approver"),
)
def preview_edit(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    approval_id: ApprovalId,
    arguments: Annotated[str, Form(max_length=200_000)],
    note: Note = "",
) -> HTMLResponse:
    """Check the edited arguments against the input schema and show the change to confirm."""
    try:
        edited = _parse_arguments(arguments)
        approvals.check_edited_arguments(node, approval_id, edited)
    except HarborError as err:
        return _detail(request, node, operator, approval_id, edited_text=arguments, error=err)
    view = _view(node, operator, approvals.read_approval(node, approval_id))
    edited_masked = _mask_unchanged_secrets(view.approval.arguments, edited)
    return render(
        request,
        "approvals/confirm.html",
        {
            "view": view,
            "diff": arguments_diff(view.approval.arguments, edited_masked),
            "changed": view.approval.arguments != edited,
            "arguments": json.dumps(edited, ensure_ascii=False),
            "note": note,
        },
    )


def _mask_unchanged_secrets(original: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """For the diff: a sensitive value typed anew shows as changed, never in clear."""
    shown = dict(edited)
    for name, value in original.items():
        if is_redacted(value) and name in shown and shown[name] != value:
            shown[name] = "•••••• (new value, hidden)"
    return shown
