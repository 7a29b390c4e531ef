"""The governed call: resolve, validate, decide, and either run, wait for a human, or refuse.

``submit_call`` is what every surface (REST, SDK, MCP) uses. Database work runs in worker
threads; the connector runs on the event loop (see :mod:`harbor.runtime.dispatch`). Every
step is audited, and the intent to run is durable before any outside request is made.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Literal

import anyio
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from harbor.contracts import (
    FINAL_CALL_STATUSES,
    CallableAction,
    CallCreate,
    CallPublic,
    PolicyDecision,
    PolicyRequest,
)
from harbor.errors import (
    AuditUnavailable,
    Conflict,
    Forbidden,
    HarborError,
    IdempotencyMismatch,
    InvalidArguments,
    NotFound,
    PolicyDenied,
    RateLimited,
    UpstreamFailed,
    UpstreamTimeout,
)
from harbor.node import Node
from harbor.runtime import policy
from harbor.runtime.audit import Actor, canonical_json, record_change
from harbor.runtime.call_audit import audit_call
from harbor.runtime.call_reads import call_public, read_call, visible_call
from harbor.runtime.dispatch import (
    RunPlan,
    notify_approval_requested,
    plan_call,
    run_started_call,
)
from harbor.runtime.execution import prepare_callable_port
from harbor.runtime.identity import Principal, scope_allows
from harbor.runtime.pause import ensure_calls_allowed
from harbor.runtime.redaction import redact, redaction_key
from harbor.runtime.schemas import instance_errors
from harbor.runtime.state import get_operator_settings
from harbor.store.calls import Approval, Call
from harbor.store.models import Agent
from harbor.store.ports import Action, ActionVersion, Port
from harbor.store.types import utcnow

IDEMPOTENCY_TTL = timedelta(hours=24)
Outcome = Literal["run", "pending", "denied", "replay"]


@dataclass(frozen=True)
class Admitted:
    """What admission decided for one request, with the stored call."""

    outcome: Outcome
    call: Call
    approval: Approval | None = None
    public: CallPublic | None = None
    """The call's view, for answers that need no run."""
    plan: RunPlan | None = None
    """For ``run``: what the connector needs, loaded in the admitting transaction."""


def new_id(prefix: str) -> str:
    """A random, URL-safe identifier: ``call_...``, ``apr_...``."""
    return f"{prefix}_{secrets.token_hex(12)}"


def arguments_hash(arguments: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the arguments (what an approval binds)."""
    return hashlib.sha256(canonical_json(arguments)).hexdigest()


def request_hash(spec: CallCreate) -> str:
    """What an Idempotency-Key binds: the action and the arguments."""
    return hashlib.sha256(canonical_json(spec.model_dump(mode="json"))).hexdigest()


# --- Resolving what an agent may call -------------------------------------------------------


def _published(session: Session) -> list[tuple[Port, Action, ActionVersion]]:
    rows = session.exec(
        select(Port, Action, ActionVersion)
        .join(Action, col(Action.port_id) == col(Port.id))
        .join(
            ActionVersion,
            (col(ActionVersion.action_id) == col(Action.id))
            & (col(ActionVersion.version) == col(Action.current_version)),
        )
        .where(Action.state == "enabled", col(Port.disabled).is_(False))
        .order_by(col(Port.name), col(Action.name))
    ).all()
    return list(rows)


def list_callable_actions(session: Session, principal: Principal) -> list[CallableAction]:
    """The published, enabled actions this caller's scopes allow (the operator sees all)."""
    found = []
    for port, action, version in _published(session):
        qualified = f"{port.name}.{action.name}"
        if principal.is_operator or scope_allows(principal.scopes, qualified):
            found.append(
                CallableAction(
                    name=qualified,
                    port=port.name,
                    version=version.version,
                    description=version.description,
                    risk=version.risk,
                    input_schema=version.input_schema,
                )
            )
    return found


def resolve_action(
    session: Session, principal: Principal, qualified: str
) -> tuple[Port, Action, ActionVersion]:
    """The published version an agent asks for; scope is checked before existence."""
    if not principal.is_operator and not scope_allows(principal.scopes, qualified):
        raise Forbidden(f"this key's scopes do not cover '{qualified}'")
    port_name, _, action_name = qualified.partition(".")
    row = session.exec(
        select(Port, Action, ActionVersion)
        .join(Action, col(Action.port_id) == col(Port.id))
        .join(
            ActionVersion,
            (col(ActionVersion.action_id) == col(Action.id))
            & (col(ActionVersion.version) == col(Action.current_version)),
        )
        .where(Port.name == port_name, Action.name == action_name)
    ).first()
    if row is None:
        raise NotFound(f"no published action '{qualified}'")
    port, action, version = row
    if action.state != "enabled":
        raise NotFound(f"action '{qualified}' is {action.state}")
    return port, action, version


# --- Admission ------------------------------------------------------------------------------


def admit_call(
    node: Node, principal: Principal, spec: CallCreate, idempotency_key: str | None
) -> Admitted:
    """Everything before the outside call, in one transaction (blocking: run in a thread).

    Raises for requests that never become a call (bad arguments, scope, pause, audit down).
    """
    actor = Actor(type="agent", name=principal.name)
    try:
        with node.store.session(actor) as session:
            return _admit(node, session, principal, spec, idempotency_key)
    except IntegrityError as err:
        if idempotency_key is None:
            raise AuditUnavailable("the call could not be recorded; nothing was run") from err
        # Another request with the same key won the race: answer as a replay of it.
        with node.store.session(actor) as session:
            replayed = _replay(node, session, principal, spec, idempotency_key)
        if replayed is None:
            raise
        return replayed
    except RateLimited as err:
        _record_refusal(node, actor, spec, err)
        raise
    except HarborError:
        raise
    except SQLAlchemyError as err:
        raise AuditUnavailable(
            "the audit log could not record the call, so it was refused and nothing was run"
        ) from err


def _record_refusal(node: Node, actor: Actor, spec: CallCreate, err: HarborError) -> None:
    """Audit a request refused before it became a call (the refusal itself is not lost)."""
    port, _, _name = spec.action.partition(".")
    with node.store.session(actor) as session:
        record_change(
            session, f"call.{err.code}", f"action:{spec.action}", outcome=err.code,
            details={"message": str(err)}, port=port, action=spec.action,
        )  # fmt: skip


def _admit(
    node: Node,
    session: Session,
    principal: Principal,
    spec: CallCreate,
    idempotency_key: str | None,
) -> Admitted:
    if principal.is_operator:
        # An operator token is not an agent: calls are always made, and audited, as an agent.
        raise Forbidden("only agents make calls; create an agent and use its key")
    agent = session.get(Agent, principal.id)
    if agent is None:
        raise Forbidden("this agent no longer exists")
    if idempotency_key is not None:
        replayed = _replay(node, session, principal, spec, idempotency_key)
        if replayed is not None:
            return replayed
    ensure_calls_allowed(session, agent.suspended_at is not None)
    port, _action, version = resolve_action(session, principal, spec.action)
    _check_arguments(version, spec.arguments)
    prepared = prepare_callable_port(session, node, port)
    request = PolicyRequest(
        agent=agent.name,
        action=spec.action,
        port=port.name,
        version=version.version,
        risk=version.risk,
        arguments=spec.arguments,
    )
    evaluation = policy.evaluate(node, session, request)
    # Counted before anything is recorded: over the limit, nothing of the call is kept.
    policy.consume_rate_limit(session, evaluation)
    decision = evaluation.decision
    call = _new_call(agent, port, version, spec, decision, idempotency_key)
    session.add(call)
    session.flush()
    key = redaction_key(node)
    audit_call(
        session, "call.requested", call,
        details={"arguments": redact(version.input_schema, spec.arguments, key)},
    )  # fmt: skip
    audit_call(session, "policy.decided", call, outcome=decision.effect, details=call.decision)
    admitted = _route(node, session, call, version, decision)
    if admitted.outcome == "run":
        return replace(admitted, plan=plan_call(call, version, prepared))
    return replace(admitted, public=call_public(node, session, call))


def _check_arguments(version: ActionVersion, arguments: dict[str, Any]) -> None:
    errors = instance_errors(version.input_schema, arguments)
    if errors:
        raise InvalidArguments(
            f"the arguments do not match the input schema of this action ({len(errors)} "
            "problem(s))",
            extra={"errors": [e.model_dump() for e in errors]},
        )


def _new_call(
    agent: Agent,
    port: Port,
    version: ActionVersion,
    spec: CallCreate,
    decision: PolicyDecision,
    idempotency_key: str | None,
) -> Call:
    assert agent.id is not None
    assert version.id is not None
    return Call(
        id=new_id("call"),
        agent_id=agent.id,
        agent=agent.name,
        port=port.name,
        action=spec.action,
        version=version.version,
        action_version_id=version.id,
        arguments=spec.arguments,
        arguments_hash=arguments_hash(spec.arguments),
        status="pending_approval",
        decision=decision.model_dump(),
        idempotency_key=idempotency_key,
        request_hash=request_hash(spec) if idempotency_key else None,
        trace_id=secrets.token_hex(16),
    )


def _route(
    node: Node, session: Session, call: Call, version: ActionVersion, decision: PolicyDecision
) -> Admitted:
    now = utcnow()
    if decision.effect == "deny":
        call.status, call.finished_at, call.updated_at = "denied", now, now
        call.error_code, call.error_message = "policy_denied", decision.reason or "denied"
        session.add(call)
        return Admitted("denied", call)
    if decision.effect == "require_approval":
        ttl = get_operator_settings(session).approval_ttl_seconds
        approval = Approval(
            id=new_id("apr"),
            call_id=call.id,
            action_version_id=call.action_version_id,
            arguments_hash=call.arguments_hash,
            approvals_required=decision.approvals_required,
            expires_at=now + timedelta(seconds=ttl),
        )
        call.approval_id = approval.id
        session.add(approval)
        session.add(call)
        session.flush()
        audit_call(
            session, "approval.requested", call,
            details={"approval_id": approval.id, "expires_at": approval.expires_at.isoformat()},
        )  # fmt: skip
        return Admitted("pending", call, approval)
    # Allowed: the intent is written (and committed by the caller) before the outside call.
    call.status, call.started_at, call.updated_at = "running", now, now
    session.add(call)
    audit_call(session, "call.started", call, details={"risk": version.risk})
    return Admitted("run", call)


def _replay(
    node: Node, session: Session, principal: Principal, spec: CallCreate, key: str
) -> Admitted | None:
    """The earlier call with the same Idempotency-Key, per the IETF draft's semantics."""
    earlier = session.exec(
        select(Call).where(Call.agent_id == principal.id, Call.idempotency_key == key)
    ).first()
    if earlier is None:
        return None
    if earlier.created_at < utcnow() - IDEMPOTENCY_TTL:
        earlier.idempotency_key = None  # expired: the key may start a new call
        session.add(earlier)
        session.flush()
        return None
    if earlier.request_hash != request_hash(spec):
        raise IdempotencyMismatch(
            f"Idempotency-Key '{key}' was used for a different request (call {earlier.id}); "
            "use a new key for a new request",
            extra={"call_id": earlier.id},
        )
    if earlier.status == "running":
        raise Conflict(
            f"the call {earlier.id} with this Idempotency-Key is still running; ask again later",
            extra={"call_id": earlier.id},
        )
    return Admitted("replay", earlier, public=call_public(node, session, earlier))


# --- Answers -------------------------------------------------------------------------------


def response_for(public: CallPublic) -> tuple[CallPublic, int]:
    """The HTTP status of a call's answer; failures and denials raise their problem."""
    extra = {"call_id": public.id, "call": public.model_dump(mode="json")}
    if public.status == "denied" and public.decision and public.decision.effect == "deny":
        source = public.decision.source or "policy"
        raise PolicyDenied(
            f"denied by {source}: {public.decision.reason or 'no reason given'}",
            extra={**extra, "rule": source},
        )
    if public.status == "failed" and public.error is not None:
        error_class = UpstreamTimeout if public.error.code == "upstream_timeout" else UpstreamFailed
        raise error_class(f"call {public.id} failed: {public.error.message}", extra=extra)
    if public.status in FINAL_CALL_STATUSES or public.status == "running":
        return public, 200
    return public, 202


async def submit_call(
    node: Node, principal: Principal, spec: CallCreate, idempotency_key: str | None = None
) -> tuple[CallPublic, int]:
    """Run the governed call; returns the call and the HTTP status (200 or 202)."""
    admitted = await anyio.to_thread.run_sync(admit_call, node, principal, spec, idempotency_key)
    public = admitted.public
    if admitted.outcome == "denied":
        node.metrics.call_finished(spec.action, "deny", "denied")
    if admitted.outcome == "run":
        public = await run_started_call(node, admitted.call.id, admitted.plan)
    elif admitted.outcome == "pending" and admitted.approval is not None:
        await anyio.to_thread.run_sync(notify_approval_requested, node, admitted.call.id)
    if public is None:  # finished elsewhere meanwhile (a restart marked it): read it back
        public = await anyio.to_thread.run_sync(read_call, node, principal, admitted.call.id)
    return response_for(public)


# --- Cancelling -----------------------------------------------------------------------------


def cancel_call(node: Node, principal: Principal, call_id: str) -> CallPublic:
    """Cancel a call still waiting for approval; only the agent that made it may."""
    with node.store.session(Actor(type=principal.role, name=principal.name)) as session:
        call = visible_call(session, principal, call_id)
        if principal.is_operator:
            raise Forbidden("only the agent that made a call cancels it; deny its approval")
        if call.status != "pending_approval":
            raise Conflict(f"call {call_id} is {call.status}; only a pending call can be cancelled")
        now = utcnow()
        call.status, call.finished_at, call.updated_at = "cancelled", now, now
        session.add(call)
        if call.approval_id:
            approval = session.get(Approval, call.approval_id)
            if approval is not None and approval.status == "pending":
                approval.status, approval.decided_at = "cancelled", now
                session.add(approval)
        audit_call(session, "call.cancelled", call)
        node.metrics.call_finished(call.action, "require_approval", "cancelled")
        public = call_public(node, session, call)
    node.call_events.notify(call_id)
    return public
