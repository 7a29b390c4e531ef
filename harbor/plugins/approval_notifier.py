"""Built-in plugin: tell notifying ports that a call waits for approval.

For every enabled port that takes calls, whose connector implements ``notify_approval``
and whose config says ``notify_approvals: true``, the connector gets an
:class:`~harbor.connector.ApprovalNotice` with a context built like a call's (secrets
resolved, the core's outbound client under the port's policy). Deliveries run in the
background on the node's event loop, so the agent's 202 never waits for them; each one
that fails is logged and audited and never affects the call or the other deliveries.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.from_thread
import httpx
from sqlmodel import col, select

from harbor.connector import ApprovalNotice, hookimpl
from harbor.contracts import ApprovalPublic
from harbor.errors import PortNotReady
from harbor.node import Node
from harbor.runtime.audit import SYSTEM, record_change
from harbor.runtime.execution import PreparedPort, port_policy, prepare_callable_port
from harbor.runtime.outbound import client_for, create_outbound_client
from harbor.store.calls import Call
from harbor.store.ports import Port

log = logging.getLogger("harbor.notify")
NOTIFY_TIMEOUT_SECONDS = 15.0
SUMMARY_LENGTH = 300
#: Deliveries under way, kept referenced so the event loop does not drop them.
_running: set[asyncio.Task[None]] = set()


@hookimpl
def harbor_approval_requested(approval: ApprovalPublic, link: str | None, node: Node) -> None:
    """Find the ports to notify, then deliver in the background and return at once.

    Finding them is one quick read (nothing is started when no port notifies); the
    deliveries, which wait on outside services, never hold up the agent's answer.
    """
    targets, rule, trace_id = notifying_ports(node, approval.call_id)
    if not targets:
        return
    notice = build_notice(approval, link, rule)
    start_in_background(lambda base: notify_ports(node, targets, notice, base, trace_id))


def start_in_background(work: Callable[[httpx.AsyncClient | None], Awaitable[None]]) -> None:
    """Run ``work`` on the node's event loop, or in a thread of its own when there is none.

    ``harbor_approval_requested`` runs in a worker thread of the request's event loop; the
    deliveries are started as a task on that loop, where the node's outbound pool lives.
    """

    def spawn() -> None:
        task = asyncio.get_running_loop().create_task(_guarded(work(None)))
        _running.add(task)
        task.add_done_callback(_running.discard)

    try:
        anyio.from_thread.run_sync(spawn)
        return
    except RuntimeError:  # not in a worker thread of an event loop
        pass
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        threading.Thread(target=_run_alone, args=(work,), daemon=True).start()
    else:
        spawn()


def _run_alone(work: Callable[[httpx.AsyncClient | None], Awaitable[None]]) -> None:
    """Deliver from a thread with its own loop and pool (the node's pool is bound to its loop)."""

    async def main() -> None:
        async with create_outbound_client() as own:
            await _guarded(work(own))

    asyncio.run(main())


async def _guarded(work: Awaitable[None]) -> None:
    try:
        await work
    except Exception:
        log.exception("approval notifications failed")


# --- Building the notice and the targets ---------------------------------------------------


def summarize(arguments: dict[str, Any]) -> str:
    """The redacted arguments as one line of JSON, cut to SUMMARY_LENGTH characters."""
    text = json.dumps(arguments, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def build_notice(approval: ApprovalPublic, link: str | None, rule: str | None) -> ApprovalNotice:
    """The notice for ``approval`` (its arguments are already redacted)."""
    return ApprovalNotice(
        approval_id=approval.id,
        call_id=approval.call_id,
        action=approval.action,
        agent=approval.agent,
        risk=approval.risk,
        arguments=approval.arguments,
        summary=summarize(approval.arguments),
        rule=rule,
        expires_at=approval.expires_at,
        link=link or f"/approvals/{approval.id}",
    )


def notifying_ports(node: Node, call_id: str) -> tuple[list[PreparedPort], str | None, str | None]:
    """The ports to notify (secrets resolved), the rule that asked and the call's trace id."""
    targets: list[PreparedPort] = []
    with node.store.read_session() as session:
        call = session.get(Call, call_id)
        rule = (call.decision or {}).get("source") if call else None
        ports = session.exec(
            select(Port).where(col(Port.disabled).is_(False)).order_by(col(Port.name))
        ).all()
        for port in ports:
            connector = node.connectors.get(port.connector)
            if connector is None or not connector.notifies_approvals():
                continue
            if (port.config or {}).get("notify_approvals") is not True:
                continue
            try:
                targets.append(prepare_callable_port(session, node, port))
            except PortNotReady as err:
                log.warning("approval notice skipped for port %s: %s", port.name, err.detail)
        return targets, rule, call.trace_id if call else None


# --- Delivering -----------------------------------------------------------------------------


async def notify_ports(
    node: Node,
    targets: list[PreparedPort],
    notice: ApprovalNotice,
    base: httpx.AsyncClient | None,
    trace_id: str | None,
) -> None:
    """Notify every target port of ``notice``, each on its own."""
    await asyncio.gather(
        *(_notify_one(node, prepared, notice, base, trace_id) for prepared in targets)
    )


async def _notify_one(
    node: Node,
    prepared: PreparedPort,
    notice: ApprovalNotice,
    base: httpx.AsyncClient | None,
    trace_id: str | None,
) -> None:
    """One port's delivery; its outcome is audited, a failure never propagates."""
    outcome, message = "ok", ""
    try:
        policy = port_policy(prepared.config)
        async with client_for(base or node.outbound(), policy, trace_id) as http:
            ctx = prepared.context(node, http=http, action=notice.action, call_id=notice.call_id)
            await asyncio.wait_for(
                prepared.connector.notify_approval(ctx, notice), NOTIFY_TIMEOUT_SECONDS
            )
    except Exception as err:  # one port's failure must not stop the others
        outcome = "failed"
        message = getattr(err, "message", "") or err.__class__.__name__
        log.warning("approval notice to port %s failed: %s", prepared.name, message)
    try:
        await anyio.to_thread.run_sync(_audit, node, prepared.name, notice, outcome, message)
    except Exception:
        log.exception("could not audit the approval notice to port %s", prepared.name)


def _audit(node: Node, port: str, notice: ApprovalNotice, outcome: str, message: str) -> None:
    with node.store.session(SYSTEM) as session:
        record_change(
            session,
            "approval.notified",
            f"approval:{notice.approval_id}",
            outcome=outcome,
            details={"port": port, "message": message[:500]},
            port=port,
            action=notice.action,
            call_id=notice.call_id,
        )
