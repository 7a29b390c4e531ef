"""The public shape of the node at a glance (``GET /api/v1/node/overview``, the console's
overview page)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from harbor_client.call_models import CallPublic, PauseState
from harbor_client.models import HealthPlugins, Model

#: How the overview groups call statuses (``unknown`` counts as failed).
CallOutcome = Literal["succeeded", "failed", "denied", "waiting", "other"]
#: The policy's effect for a stored call.
CallDecisionEffect = Literal["allow", "require_approval", "deny"]


class HourActivity(Model):
    """The calls created in one hour, counted by outcome."""

    start: datetime = Field(description="The start of the hour (UTC)")
    total: int
    counts: dict[CallOutcome, int] = Field(description="Calls by outcome; zero counts left out")


class CallActivity(Model):
    """Calls of the last 24 hours, by hour and outcome, and by decision and outcome."""

    since: datetime
    total: int
    hours: list[HourActivity] = Field(description="24 hours, oldest first")
    by_decision: dict[CallDecisionEffect, dict[CallOutcome, int]]


class NodeOverview(Model):
    """Health, what the node holds, and what its calls did lately."""

    version: str
    database: Literal["ok", "unreachable"]
    plugins: HealthPlugins
    pause: PauseState
    ports: int
    actions: int = Field(description="Actions that are not archived")
    agents: int = Field(description="Agents that are not revoked")
    pending_approvals: int
    activity: CallActivity
    recent_failures: list[CallPublic] = Field(description="The latest failed calls, newest first")


__all__ = ["CallActivity", "CallDecisionEffect", "CallOutcome", "HourActivity", "NodeOverview"]
