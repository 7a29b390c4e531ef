"""Running calls: the connector on the event loop, retries in the call's budget, at most once.

A call's connector runs only after the call moved to ``running`` in a committed transaction
that also holds its ``call.started`` audit event. Approved calls are claimed with a
conditional update (``approved`` -> ``running``), which takes the row's lock, so across any
number of workers each is started once; a call found ``running`` after a crash becomes
``unknown`` and is never run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio
import httpx
from sqlmodel import Session, col, select, update

from harbor.connector import AuthFailed, ConnectorError, RetryableError
from harbor.contracts import ApprovalPublic, CallPublic
from harbor.errors import HarborError, PortNotReady
from harbor.node import Node
from harbor.runtime.audit import SYSTEM
from harbor.runtime.call_audit import audit_call
from harbor.runtime.call_reads import call_public
from harbor.runtime.execution import PreparedPort, prepare_callable_port, run_once
from harbor.runtime.pause import pause_state
from harbor.store.calls import Approval, Call
from harbor.store.models import Agent
from harbor.store.ports import ActionVersion, Port
from harbor.store.types import utcnow

log = logging.getLogger("harbor.calls")
MAX_ATTEMPTS = 3
FIRST_BACKOFF_SECONDS = 0.2
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class RunPlan:
    """What one run of a started call needs, loaded before the outside call."""

    call_id: str
    action: str
    kind: str
    definition: dict[str, Any]
    arguments: dict[str, Any]
    trace_id: str
    safe_to_repeat: bool
    prepared: PreparedPort


@dataclass
class RunOutcome:
    """How a run ended: a result, or an error code and message."""

    result: Any = None
    error_code: str | None = None
    message: str = ""
    auth_failed: bool = False
    attempts: int = field(default=1)


def _plan(node: Node, call_id: str) -> RunPlan:
    """Load what a started call needs; the port is checked again (it may have changed)."""
    with node.store.read_session() as session:
        call = session.get(Call, call_id)
        version = session.get(ActionVersion, call.action_version_id) if call else None
        if call is None or version is None:
            raise HarborError(f"call {call_id} or its action version vanished")
        port = session.exec(select(Port).where(Port.name == call.port)).first()
        if port is None:
            raise PortNotReady(f"port '{call.port}' was deleted; the call was not run")
        # Checked again: the port may have changed since the call was approved.
        return plan_call(call, version, prepare_callable_port(session, node, port))


def plan_call(call: Call, version: ActionVersion, prepared: PreparedPort) -> RunPlan:
    """The run plan of ``call`` on its prepared port."""
    kind = prepared.connector.action_kinds.get(version.kind)
    return RunPlan(
        call_id=call.id,
        action=call.action,
        kind=version.kind,
        definition=dict(version.definition),
        arguments=dict(call.arguments),
        trace_id=call.trace_id,
        safe_to_repeat=version.risk == "read" or bool(kind and kind.idempotent),
        prepared=prepared,
    )


def _port_slot(node: Node, port: str) -> asyncio.Semaphore:
    slot = node.port_slots.get(port)
    if slot is None:
        slot = node.port_slots[port] = asyncio.Semaphore(node.settings.port_concurrency)
    return slot


async def run_started_call(
    node: Node, call_id: str, plan: RunPlan | None = None
) -> CallPublic | None:
    """Run a call that is ``running`` (intent committed); store and return how it ended."""
    try:
        if plan is None:
            plan = await anyio.to_thread.run_sync(_plan, node, call_id)
    except HarborError as err:
        outcome = RunOutcome(error_code=err.code, message=str(err))
    else:
        async with _port_slot(node, plan.prepared.name):
            outcome = await _execute_with_retries(node, plan)
    return await anyio.to_thread.run_sync(_finish, node, call_id, outcome)


async def _execute_with_retries(node: Node, plan: RunPlan) -> RunOutcome:
    """The connector, retried on RetryableError where repeating is safe, within the budget."""
    budget = node.settings.call_timeout_seconds
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - loop.time()
        try:
            result = await run_once(
                node, plan.prepared, plan.kind, plan.definition, plan.arguments,
                action=plan.action, timeout=max(remaining, 0.001),
                call_id=plan.call_id, trace_id=plan.trace_id,
            )  # fmt: skip
            return RunOutcome(result=result, attempts=attempt)
        except RetryableError as err:
            delay = (
                err.retry_after
                if err.retry_after is not None
                else (FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1))
            )
            may_repeat = plan.safe_to_repeat or err.retry_safe
            if not may_repeat or attempt >= MAX_ATTEMPTS or loop.time() + delay >= deadline:
                code = "upstream_timeout" if err.timeout else "upstream_failed"
                return RunOutcome(error_code=code, message=err.message, attempts=attempt)
            log.info("retrying call %s in %.2f s: %s", plan.call_id, delay, err.message)
            await asyncio.sleep(delay)
        except AuthFailed as err:
            return RunOutcome(
                "", "upstream_failed", err.message, auth_failed=True, attempts=attempt
            )
        except ConnectorError as err:
            return RunOutcome(error_code="upstream_failed", message=err.message, attempts=attempt)
        except (TimeoutError, httpx.TimeoutException):
            message = f"the service did not answer within the call's {budget:g} s budget"
            return RunOutcome(error_code="upstream_timeout", message=message, attempts=attempt)
        except httpx.HTTPError as err:
            message = f"the request to the service failed ({err.__class__.__name__})"
            return RunOutcome(error_code="upstream_failed", message=message, attempts=attempt)
        except Exception as err:  # a connector bug must end the call, not the node
            log.exception("connector failed while running call %s", plan.call_id)
            message = f"the connector failed: {err.__class__.__name__}"
            return RunOutcome(error_code="upstream_failed", message=message, attempts=attempt)


def _finish(node: Node, call_id: str, outcome: RunOutcome) -> CallPublic | None:
    with node.store.session(SYSTEM) as session:
        call = session.get(Call, call_id)
        if call is None or call.status != "running":
            return None
        now = utcnow()
        call.finished_at = call.updated_at = now
        details: dict[str, Any] = {"attempts": outcome.attempts}
        if outcome.error_code is None:
            call.status, call.result = "succeeded", outcome.result
            session.add(call)
            audit_call(session, "call.succeeded", call, details=details)
        else:
            call.status, call.error_code = "failed", outcome.error_code
            call.error_message = outcome.message[:2000]
            session.add(call)
            details.update(code=outcome.error_code, message=outcome.message[:500])
            audit_call(session, "call.failed", call, outcome="failed", details=details)
            if outcome.auth_failed:
                _mark_needs_reconnect(session, call.port)
        public = call_public(node, session, call)
    node.metrics.call_finished(
        public.action,
        public.decision.effect if public.decision else None,
        public.status,
        _seconds_between(public.started_at, public.finished_at),
    )
    node.call_events.notify(call_id)
    return public


def _seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start and end else None


def _mark_needs_reconnect(session: Session, port_name: str) -> None:
    port = session.exec(select(Port).where(Port.name == port_name)).first()
    if port is not None and not port.auth_failed:
        port.auth_failed = True
        session.add(port)


# --- Approved calls, expiry and recovery ----------------------------------------------------


def claim_call(node: Node, call_id: str) -> bool:
    """Move an approved call to ``running`` with its intent event; False if someone else did."""
    with node.store.session(SYSTEM) as session:
        if pause_state(session).paused or _agent_suspended(session, call_id):
            return False
        now = utcnow()
        claimed = session.exec(
            update(Call)
            .where(col(Call.id) == call_id, col(Call.status) == "approved")
            .values(status="running", started_at=now, updated_at=now)
        )
        if claimed.rowcount != 1:
            return False
        call = session.get(Call, call_id)
        assert call is not None
        audit_call(session, "call.started", call, details={"approved": True})
    return True


def _agent_suspended(session: Session, call_id: str) -> bool:
    row = session.exec(
        select(Agent.suspended_at)
        .join(Call, col(Call.agent_id) == col(Agent.id))
        .where(Call.id == call_id)
    ).first()
    return row is not None


async def run_approved_call(node: Node, call_id: str) -> bool:
    """Start one approved call if this worker wins the claim; True when it ran here."""
    if not await anyio.to_thread.run_sync(claim_call, node, call_id):
        return False
    await run_started_call(node, call_id)
    return True


def approved_call_ids(node: Node, limit: int = 50) -> list[str]:
    """Approved calls waiting for a worker, oldest first."""
    with node.store.session() as session:
        rows = session.exec(
            select(Call.id)
            .where(Call.status == "approved")
            .order_by(col(Call.updated_at))
            .limit(limit)
        ).all()
    return list(rows)


def expire_approvals(node: Node) -> int:
    """Expire pending approvals past their time; their calls become ``expired``."""
    now = utcnow()
    expired = 0
    with node.store.session(SYSTEM) as session:
        due = session.exec(
            select(Approval).where(Approval.status == "pending", col(Approval.expires_at) <= now)
        ).all()
        for approval in due:
            moved = session.exec(
                update(Approval)
                .where(col(Approval.id) == approval.id, col(Approval.status) == "pending")
                .values(status="expired", decided_at=now)
            )
            call = session.get(Call, approval.call_id)
            if moved.rowcount != 1 or call is None or call.status != "pending_approval":
                continue
            call.status, call.finished_at, call.updated_at = "expired", now, now
            call.error_code, call.error_message = "expired", "the approval expired undecided"
            session.add(call)
            audit_call(session, "approval.expired", call, outcome="expired")
            node.metrics.call_finished(call.action, "require_approval", "expired")
            expired += 1
    return expired


def recover_interrupted_calls(node: Node) -> int:
    """At start: calls left ``running`` by a crash become ``unknown`` (never re-run)."""
    with node.store.session(SYSTEM) as session:
        stuck = session.exec(select(Call).where(Call.status == "running")).all()
        now = utcnow()
        for call in stuck:
            call.status, call.finished_at, call.updated_at = "unknown", now, now
            call.error_code = "unknown"
            call.error_message = (
                "the node stopped while this call was running; it may or may not have "
                "reached the service and is never run again"
            )
            session.add(call)
            audit_call(session, "call.unknown", call, outcome="unknown")
            node.metrics.call_finished(call.action, (call.decision or {}).get("effect"), "unknown")
    return len(stuck)


def notify_approval_requested(node: Node, call_id: str) -> None:
    """Tell every ``harbor_approval_requested`` plugin; one failing never stops the others."""
    from harbor.runtime.approvals import approval_link, read_approval_for_call

    approval: ApprovalPublic = read_approval_for_call(node, call_id)
    link = approval_link(node, approval.id)
    for impl in node.plugins.hook.harbor_approval_requested.get_hookimpls():
        try:
            impl.function(
                **{
                    name: value
                    for name, value in {"approval": approval, "link": link, "node": node}.items()
                    if name in impl.argnames
                }
            )
        except Exception:
            log.exception("plugin %s failed in harbor_approval_requested", impl.plugin_name)


class Dispatcher:
    """The worker loop of one process: expire approvals, start approved calls."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: set[asyncio.Task[bool]] = set()

    def wake(self) -> None:
        """Look for work now (safe from any thread)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Loop until cancelled; one bad round is logged and the loop goes on."""
        self._loop = asyncio.get_running_loop()
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("the call dispatcher failed a round; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()

    async def run_once(self) -> None:
        """One round: expire what is due, start every approved call not yet started."""
        await anyio.to_thread.run_sync(expire_approvals, self.node)
        for call_id in await anyio.to_thread.run_sync(approved_call_ids, self.node):
            task = asyncio.create_task(run_approved_call(self.node, call_id))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def drain(self) -> None:
        """Wait for the calls this process started (used at shutdown and in tests)."""
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
