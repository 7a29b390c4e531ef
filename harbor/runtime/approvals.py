"""Approvals: the operator's decision on one exact call (action version + arguments hash).

Only operators decide (the API's single access check keeps agents out, and viewers). Approving
moves the call to ``approved``; a worker then starts it at most once (see
:mod:`harbor.runtime.dispatch`). An approval past its expiry can no longer be approved.

A rule may ask for several approvers (``approvals_required``). On a node licensed for team
operators each approval is then a vote: the call is approved when that many different
operators approved the same arguments (an edit makes earlier votes not count), and any denial
ends it. Without the licence only the owner can sign in, and the owner's approval suffices.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from harbor.connector import SENSITIVE_MARKER
from harbor.contracts import (
    ApprovalApprove,
    ApprovalDeny,
    ApprovalPublic,
    ApprovalVotePublic,
    PolicyRuleCreate,
)
from harbor.errors import Conflict, Forbidden, InvalidArguments, NotFound
from harbor.node import Node
from harbor.runtime.audit import Actor
from harbor.runtime.call_audit import audit_call
from harbor.runtime.calls import arguments_hash
from harbor.runtime.operators import ROLES, team_enabled
from harbor.runtime.policy_rules import create_rule
from harbor.runtime.redaction import redact, redaction_key, redaction_token
from harbor.runtime.schemas import instance_errors
from harbor.runtime.state import get_operator_settings
from harbor.store.calls import Approval, ApprovalVote, Call
from harbor.store.ports import ActionVersion
from harbor.store.types import utcnow

APPROVAL_STATUSES = ("pending", "approved", "denied", "expired", "cancelled")


def approval_link(node: Node, approval_id: str) -> str | None:
    """The UI link to an approval, from the public URL in operator state (None if unset)."""
    with node.store.session() as session:
        base = get_operator_settings(session).public_url
    return f"{base.rstrip('/')}/approvals/{approval_id}" if base else None


def _public(node: Node, session: Session, approval: Approval, call: Call) -> ApprovalPublic:
    version = session.get(ActionVersion, approval.action_version_id)
    assert version is not None
    return ApprovalPublic(
        id=approval.id,
        call_id=call.id,
        status=approval.status,
        action=call.action,
        version=call.version,
        risk=version.risk,
        description=version.description,
        agent=call.agent,
        arguments=redact(version.input_schema, call.arguments, redaction_key(node)),
        arguments_hash=approval.arguments_hash,
        approvals_required=approval.approvals_required,
        created_at=approval.created_at,
        expires_at=approval.expires_at,
        decided_at=approval.decided_at,
        decided_by=approval.decided_by,
        note=approval.note,
        votes=[
            ApprovalVotePublic(operator=v.operator, note=v.note, created_at=v.created_at)
            for v in _votes(session, approval, call)
        ],
        approvals_needed=approvals_needed(node, approval),
    )


def approvals_needed(node: Node, approval: Approval) -> int:
    """How many operators must approve: the rule's number, or 1 without a team licence."""
    return approval.approvals_required if team_enabled(node) else 1


def _votes(session: Session, approval: Approval, call: Call) -> list[ApprovalVote]:
    """The approvals that count: those given for the call's current arguments."""
    if approval.approvals_required <= 1:
        return []
    return list(
        session.exec(
            select(ApprovalVote)
            .where(
                ApprovalVote.approval_id == approval.id,
                ApprovalVote.arguments_hash == call.arguments_hash,
            )
            .order_by(col(ApprovalVote.id))
        ).all()
    )


def _load(session: Session, approval_id: str) -> tuple[Approval, Call]:
    approval = session.get(Approval, approval_id)
    call = session.get(Call, approval.call_id) if approval else None
    if approval is None or call is None:
        raise NotFound(f"no approval '{approval_id}'")
    return approval, call


def list_approvals(node: Node, status: str | None = None, limit: int = 100) -> list[ApprovalPublic]:
    """Approvals, newest first, optionally only those with ``status``."""
    with node.store.session() as session:
        query = select(Approval, Call).join(Call, col(Call.id) == col(Approval.call_id))
        if status:
            query = query.where(Approval.status == status)
        rows = session.exec(query.order_by(col(Approval.created_at).desc()).limit(limit)).all()
        return [_public(node, session, approval, call) for approval, call in rows]


def read_approval(node: Node, approval_id: str) -> ApprovalPublic:
    """One approval."""
    with node.store.session() as session:
        return _public(node, session, *_load(session, approval_id))


def read_approval_for_call(node: Node, call_id: str) -> ApprovalPublic:
    """The approval a call waits for."""
    with node.store.session() as session:
        approval = session.exec(select(Approval).where(Approval.call_id == call_id)).first()
        if approval is None:
            raise NotFound(f"call '{call_id}' has no approval")
        return _public(node, session, *_load(session, approval.id))


def _require_pending(session: Session, approval: Approval, call: Call) -> None:
    """Conflict unless the approval can still be decided; an expired one is marked so."""
    if approval.status != "pending":
        raise Conflict(f"approval {approval.id} is already {approval.status}")
    if approval.expires_at <= utcnow():
        now = utcnow()
        approval.status, approval.decided_at = "expired", now
        call.status, call.finished_at, call.updated_at = "expired", now, now
        call.error_code, call.error_message = "expired", "the approval expired undecided"
        session.add_all([approval, call])
        audit_call(session, "approval.expired", call, outcome="expired")
        raise Conflict(f"approval {approval.id} expired at {approval.expires_at.isoformat()}")


def _locked(session: Session, approval_id: str) -> tuple[Approval, Call]:
    approval = session.exec(
        select(Approval).where(Approval.id == approval_id).with_for_update()
    ).first()
    if approval is None:
        raise NotFound(f"no approval '{approval_id}'")
    return _load(session, approval.id)


def approve_call(
    node: Node, approval_id: str, actor: Actor, body: ApprovalApprove, role: str = "owner"
) -> ApprovalPublic:
    """Approve (optionally with edited arguments, optionally remembered as a rule).

    ``role`` is the approving operator's: "approve and remember" changes policy, so it needs
    the owner. With several approvers required, this records one vote and the call stays
    pending until the last one.
    """
    if body.remember and ROLES.index(role) < ROLES.index("owner"):
        raise Forbidden("approve and remember adds a policy rule, which needs the owner role")
    with node.store.session(actor) as session:
        approval, call = _locked(session, approval_id)
        try:
            _require_pending(session, approval, call)
        except Conflict:
            session.commit()  # keep the expiry we just recorded
            raise
        version = session.get(ActionVersion, call.action_version_id)
        assert version is not None
        key = redaction_key(node)
        details: dict[str, Any] = {"approval_id": approval.id, "note": body.note}
        edited = None
        if body.arguments is not None:
            edited = keep_redacted_values(version.input_schema, body.arguments, call.arguments, key)
        if edited is not None and edited != call.arguments:
            _apply_edits(call, version, edited)
            details["original_arguments"] = redact(
                version.input_schema, call.original_arguments or {}, key
            )
            details["arguments"] = redact(version.input_schema, call.arguments, key)
        needed = approvals_needed(node, approval)
        if needed > 1:
            votes = _record_vote(session, approval, call, actor, body.note)
            details["votes"] = votes
            details["approvals_needed"] = needed
            if len(votes) < needed:
                approval.arguments_hash = call.arguments_hash
                call.updated_at = utcnow()
                session.add_all([approval, call])
                audit_call(session, "approval.vote", call, details=details)
                return _public(node, session, approval, call)
        now = utcnow()
        approval.status, approval.decided_at = "approved", now
        approval.decided_by, approval.note = actor.name, body.note
        approval.arguments_hash = call.arguments_hash
        call.status, call.updated_at, call.reason = "approved", now, body.note or None
        session.add_all([approval, call])
        audit_call(session, "approval.approved", call, details=details)
        if body.remember:
            _remember(session, call, body.remember_arguments)
        public = _public(node, session, approval, call)
    node.call_events.notify(call.id)
    if node.dispatcher is not None:
        node.dispatcher.wake()
    return public


def _record_vote(
    session: Session, approval: Approval, call: Call, actor: Actor, note: str
) -> list[str]:
    """Add ``actor``'s vote for the current arguments; the names of everyone who voted so far.

    Conflict when this operator already approved these arguments: one person, one vote.
    """
    counted = _votes(session, approval, call)
    if any(vote.operator == actor.name for vote in counted):
        raise Conflict(
            f"'{actor.name}' already approved this call; it needs another operator's approval"
        )
    stale = session.exec(
        select(ApprovalVote).where(
            ApprovalVote.approval_id == approval.id, ApprovalVote.operator == actor.name
        )
    ).first()
    if stale is not None:  # this operator approved other (since edited) arguments
        session.delete(stale)
        session.flush()
    session.add(
        ApprovalVote(
            approval_id=approval.id,
            operator=actor.name,
            arguments_hash=call.arguments_hash,
            note=note,
        )
    )
    session.flush()
    return [vote.operator for vote in counted] + [actor.name]


def keep_redacted_values(
    schema: dict[str, Any], edited: dict[str, Any], original: dict[str, Any], key: bytes
) -> dict[str, Any]:
    """``edited`` with each sensitive argument still showing its redaction token restored.

    The operator only ever sees sensitive values as tokens; an edit that leaves such a token
    as it was means "keep the value", not "send the token".
    """
    restored = dict(edited)
    for name in sensitive_properties(schema):
        if name in original and restored.get(name) == redaction_token(key, original[name]):
            restored[name] = original[name]
    return restored


def check_edited_arguments(node: Node, approval_id: str, arguments: dict[str, Any]) -> None:
    """InvalidArguments (one pointer per problem) unless the edit fits the input schema."""
    with node.store.read_session() as session:
        _approval, call = _load(session, approval_id)
        version = session.get(ActionVersion, call.action_version_id)
        assert version is not None
        edited = keep_redacted_values(
            version.input_schema, arguments, call.arguments, redaction_key(node)
        )
        errors = instance_errors(version.input_schema, edited, prefix="/arguments")
    if errors:
        raise InvalidArguments(
            "the edited arguments do not match the action's input schema",
            extra={"errors": [e.model_dump() for e in errors]},
        )


def approval_input_schema(node: Node, approval_id: str) -> dict[str, Any]:
    """The input schema of the action version an approval is for."""
    with node.store.read_session() as session:
        _approval, call = _load(session, approval_id)
        version = session.get(ActionVersion, call.action_version_id)
        assert version is not None
        return dict(version.input_schema)


def count_pending(node: Node) -> int:
    """How many approvals wait for a decision."""
    with node.store.read_session() as session:
        query = select(func.count()).select_from(Approval).where(Approval.status == "pending")
        return int(session.exec(query).one())


def _apply_edits(call: Call, version: ActionVersion, arguments: dict[str, Any]) -> None:
    errors = instance_errors(version.input_schema, arguments, prefix="/arguments")
    if errors:
        raise InvalidArguments(
            "the edited arguments do not match the action's input schema",
            extra={"errors": [e.model_dump() for e in errors]},
        )
    call.original_arguments = dict(call.arguments)
    call.arguments = arguments
    call.arguments_hash = arguments_hash(arguments)
    call.edited = True


def _remember(session: Session, call: Call, with_arguments: bool) -> None:
    """A rule at the top: this agent may call this action (with these arguments) from now on."""
    schema = None
    if with_arguments:
        # Sensitive arguments never go into a rule (rules are shown, exported and audited):
        # the rule pins every other argument and lets those be anything.
        version = session.get(ActionVersion, call.action_version_id)
        sensitive = sensitive_properties(version.input_schema if version else {})
        pinned = {k: v for k, v in call.arguments.items() if k not in sensitive}
        schema = {
            "type": "object",
            "properties": {name: {"const": value} for name, value in pinned.items()},
            "required": sorted(pinned),
        }
    create_rule(
        session,
        PolicyRuleCreate(
            description=f"remembered when approving call {call.id}",
            agent=call.agent,
            action=call.action,
            arguments_schema=schema,
            effect="allow",
            position=1,
        ),
    )


def sensitive_properties(schema: dict[str, Any]) -> set[str]:
    """Top-level argument names the input schema marks ``x-harbor-sensitive``."""
    properties = schema.get("properties", {})
    return {
        name
        for name, spec in properties.items()
        if isinstance(spec, dict) and spec.get(SENSITIVE_MARKER) is True
    }


def deny_call(node: Node, approval_id: str, actor: Actor, body: ApprovalDeny) -> ApprovalPublic:
    """Deny a pending call; the reason reaches the agent."""
    with node.store.session(actor) as session:
        approval, call = _locked(session, approval_id)
        try:
            _require_pending(session, approval, call)
        except Conflict:
            session.commit()
            raise
        now = utcnow()
        approval.status, approval.decided_at = "denied", now
        approval.decided_by, approval.note = actor.name, body.reason
        call.status, call.finished_at, call.updated_at = "denied", now, now
        call.reason = body.reason or None
        call.error_code = "approval_denied"
        call.error_message = body.reason or "the operator denied this call"
        session.add_all([approval, call])
        audit_call(
            session, "approval.denied", call, outcome="denied", details={"reason": body.reason}
        )
        public = _public(node, session, approval, call)
    node.metrics.call_finished(call.action, "require_approval", "denied")
    node.call_events.notify(call.id)
    return public
