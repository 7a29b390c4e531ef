"""The public shapes of calls, approvals and the emergency stop."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from harbor_client.models import Effect, Model, Risk
from harbor_client.operator_models import ApprovalVotePublic

QUALIFIED_ACTION_PATTERN = r"^[a-z0-9][a-z0-9-]{0,29}\.[a-z][a-z0-9_]{0,31}$"

CallStatus = Literal[
    "pending_approval",
    "approved",
    "running",
    "succeeded",
    "failed",
    "denied",
    "expired",
    "cancelled",
    "unknown",
]
ApprovalStatus = Literal["pending", "approved", "denied", "expired", "cancelled"]
#: Statuses after which a call never changes again.
FINAL_CALL_STATUSES: frozenset[str] = frozenset(
    {"succeeded", "failed", "denied", "expired", "cancelled", "unknown"}
)


class CallableAction(Model):
    """An action an agent may call: what ``GET /api/v1/actions`` lists."""

    name: str = Field(description="Qualified name, port.action")
    port: str
    version: int
    description: str
    risk: Risk
    input_schema: dict[str, Any]


class CallCreate(Model):
    """A request to run one published action with arguments."""

    action: str = Field(pattern=QUALIFIED_ACTION_PATTERN, description="port.action")
    arguments: dict[str, Any] = Field(default_factory=dict)


class CallDecision(Model):
    """The policy's answer for a call and what made it."""

    effect: Effect
    source: str = Field(description="The rule or plugin that decided")
    reason: str = ""
    approvals_required: int = 1


class CallError(Model):
    """Why a call failed."""

    code: str
    message: str


class CallPublic(Model):
    """One call as its agent and the operator see it (sensitive arguments redacted)."""

    id: str
    action: str
    port: str
    version: int
    agent: str
    status: CallStatus
    arguments: dict[str, Any]
    decision: CallDecision | None = None
    approval_id: str | None = None
    edited: bool = False
    reason: str | None = Field(None, description="The operator's reason or note")
    result: Any = None
    error: CallError | None = None
    trace_id: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def pending(self) -> bool:
        """True while the call may still change: waiting for approval, queued or running."""
        return self.status not in FINAL_CALL_STATUSES


class CallPage(Model):
    """A page of calls, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    calls: list[CallPublic]
    next_cursor: str | None = None


class ApprovalPublic(Model):
    """A pending or decided human approval of one exact call."""

    id: str
    call_id: str
    status: ApprovalStatus
    action: str
    version: int
    risk: Risk
    description: str
    agent: str
    arguments: dict[str, Any]
    arguments_hash: str
    approvals_required: int
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str = ""
    votes: list[ApprovalVotePublic] = Field(
        default_factory=list,
        description="Who approved so far, when the call needs more than one approver",
    )
    approvals_needed: int = Field(
        1,
        description="Approvals this call needs on this node now: approvals_required, or 1 "
        "while the node is not licensed for team operators",
    )


class ApprovalApprove(Model):
    """Approve a call, optionally with edited arguments, optionally remembering the answer."""

    note: str = Field("", max_length=2000)
    arguments: dict[str, Any] | None = Field(
        None, description="Replacement arguments (validated against the input schema again)"
    )
    remember: bool = Field(
        False, description="Add a policy rule allowing this action for this agent from now on"
    )
    remember_arguments: bool = Field(
        False, description="With remember: allow only these exact arguments"
    )


class ApprovalDeny(Model):
    """Deny a call; the reason goes back to the agent."""

    reason: str = Field("", max_length=2000)


class PauseRequest(Model):
    """Why the node or an agent is being stopped."""

    reason: str = Field("", max_length=500)


class PauseState(Model):
    """Whether calls on the node are paused, by whom and since when."""

    paused: bool
    by: str | None = None
    since: datetime | None = None
    reason: str = ""


__all__ = [
    "FINAL_CALL_STATUSES",
    "QUALIFIED_ACTION_PATTERN",
    "ApprovalApprove",
    "ApprovalDeny",
    "ApprovalPublic",
    "ApprovalStatus",
    "CallCreate",
    "CallDecision",
    "CallError",
    "CallPage",
    "CallPublic",
    "CallStatus",
    "CallableAction",
    "PauseRequest",
    "PauseState",
]
