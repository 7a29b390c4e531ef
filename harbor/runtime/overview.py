"""The node at a glance: health, counts, calls of the last 24 hours, recent failures.

What the console's overview and ``GET /api/v1/node/overview`` show. Calls are bucketed by
hour in Python from three narrow columns (time, status, approval id), so the same code runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from harbor.contracts import CallActivity, CallOutcome, HealthPlugins, NodeOverview
from harbor.node import Node
from harbor.runtime.call_reads import call_public
from harbor.runtime.pause import pause_state
from harbor.runtime.ports import port_status
from harbor.runtime.secrets import secret_statuses
from harbor.store.calls import Approval, Call
from harbor.store.models import Agent
from harbor.store.ports import Action, Port
from harbor.store.types import utcnow

HOURS = 24
#: Call statuses grouped into what the chart shows.
OUTCOME_OF_STATUS = {
    "succeeded": "succeeded",
    "failed": "failed",
    "unknown": "failed",
    "denied": "denied",
    "pending_approval": "waiting",
    "approved": "waiting",
    "running": "waiting",
    "expired": "other",
    "cancelled": "other",
}
OUTCOMES: tuple[CallOutcome, ...] = ("succeeded", "failed", "denied", "waiting", "other")
DECISIONS = ("allow", "require_approval", "deny")
RECENT_FAILURES = 5


def decision_of(status: str, approval_id: str | None) -> str:
    """The policy's effect for a stored call (rate-limited requests are never stored)."""
    if approval_id:
        return "require_approval"
    return "deny" if status == "denied" else "allow"


def call_activity(session: Session, now: datetime | None = None) -> CallActivity:
    """Calls created in the last 24 hours, by hour and outcome and by decision and outcome."""
    end = (now or utcnow()).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    since = end - timedelta(hours=HOURS)
    hours: list[Counter[str]] = [Counter() for _ in range(HOURS)]
    by_decision: dict[str, Counter[str]] = {decision: Counter() for decision in DECISIONS}
    rows = session.exec(
        select(Call.created_at, Call.status, Call.approval_id).where(col(Call.created_at) >= since)
    ).all()
    for created_at, status, approval_id in rows:
        outcome = OUTCOME_OF_STATUS.get(status, "other")
        index = int((created_at - since) // timedelta(hours=1))
        if 0 <= index < HOURS:
            hours[index][outcome] += 1
        by_decision[decision_of(status, approval_id)][outcome] += 1
    return CallActivity.model_validate(
        {
            "since": since,
            "total": sum(sum(counts.values()) for counts in hours),
            "hours": [
                {
                    "start": since + timedelta(hours=i),
                    "total": sum(counts.values()),
                    "counts": dict(counts),
                }
                for i, counts in enumerate(hours)
            ],
            "by_decision": {
                decision: {outcome: counts[outcome] for outcome in OUTCOMES}
                for decision, counts in by_decision.items()
            },
        }
    )


def _count(session: Session, query: Any) -> int:
    return int(session.exec(query).one())


def node_overview(node: Node) -> NodeOverview:
    """The node's health, what it holds, and what its calls did lately."""
    records = list(node.plugins.records.values())
    with node.store.read_session() as session:
        failures = session.exec(
            select(Call)
            .where(col(Call.status).in_(("failed", "unknown")))
            .order_by(col(Call.created_at).desc())
            .limit(RECENT_FAILURES)
        ).all()
        return NodeOverview(
            version=node.version,
            database="ok" if node.store.ping() else "unreachable",
            plugins=HealthPlugins(
                loaded=sorted(r.name for r in records if r.loaded),
                failed=sorted(r.name for r in records if not r.loaded),
            ),
            pause=pause_state(session),
            ports=_count(session, select(func.count()).select_from(Port)),
            actions=_count(
                session,
                select(func.count()).select_from(Action).where(col(Action.state) != "archived"),
            ),
            agents=_count(
                session,
                select(func.count()).select_from(Agent).where(col(Agent.revoked_at).is_(None)),
            ),
            pending_approvals=_count(
                session,
                select(func.count()).select_from(Approval).where(Approval.status == "pending"),
            ),
            activity=call_activity(session),
            recent_failures=[call_public(node, session, call) for call in failures],
        )


@dataclass(frozen=True)
class PortToReconnect:
    """A port in ``needs_reconnect``: the operator has to sign in to its service (again)."""

    name: str
    connector: str
    rejected: bool  # the service rejected its credentials; else an OAuth port never connected


def ports_to_reconnect(session: Session, node: Node) -> list[PortToReconnect]:
    """The ports whose status is ``needs_reconnect``, by name (the console's banner)."""
    found = []
    for port in session.exec(select(Port).order_by(col(Port.name))).all():
        connector = node.connectors.get(port.connector)
        secret_names = set(secret_statuses(session, port))
        if port_status(port, connector, secret_names) == "needs_reconnect":
            found.append(PortToReconnect(port.name, port.connector, port.auth_failed))
    return found
