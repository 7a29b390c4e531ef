"""Prometheus metrics of one node process: calls, their latency, approvals, audit writes.

Counters and histograms live in a registry of the node's own (never the global one), so two
nodes in one process never mix. With several workers each process has its own figures;
the pending-approvals gauge is read from the database at scrape time, so it is node-wide.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import select

from harbor.store.calls import Approval

if TYPE_CHECKING:
    from harbor.node import Node

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
CALL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
AUDIT_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1)


class _PendingApprovals(Collector):
    """``harbor_pending_approvals``: counted in the database when scraped."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def collect(self) -> Iterator[Metric]:
        """One gauge sample: approvals still waiting for a decision."""
        with self.node.store.read_session() as session:
            count = session.exec(
                select(func.count()).select_from(Approval).where(Approval.status == "pending")
            ).one()
        gauge = GaugeMetricFamily(
            "harbor_pending_approvals", "Approvals waiting for the operator's decision"
        )
        gauge.add_metric([], float(count))
        yield gauge


class NodeMetrics:
    """The node's metrics; runtime code reports into it, ``GET /metrics`` renders it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter(
            "harbor_calls",
            "Calls that reached a final status, by action, policy decision and outcome",
            ["action", "decision", "outcome"],
            registry=self.registry,
        )
        self.call_seconds = Histogram(
            "harbor_call_duration_seconds",
            "Time from a call's request (or its approval) to its outcome, by action",
            ["action"],
            buckets=CALL_BUCKETS,
            registry=self.registry,
        )
        self.audit_write_seconds = Histogram(
            "harbor_audit_write_seconds",
            "Time to commit a transaction holding audit events into the database (primary sink)",
            buckets=AUDIT_BUCKETS,
            registry=self.registry,
        )

    def watch_approvals(self, node: Node) -> None:
        """Add the pending-approvals gauge (needs the node's database)."""
        self.registry.register(_PendingApprovals(node))

    def call_finished(
        self, action: str, decision: str | None, outcome: str, seconds: float | None = None
    ) -> None:
        """Count a call that reached ``outcome`` (a final status); observe its duration."""
        self.calls.labels(action=action, decision=decision or "none", outcome=outcome).inc()
        if seconds is not None:
            self.call_seconds.labels(action=action).observe(max(seconds, 0.0))

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
