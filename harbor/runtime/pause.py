"""The emergency stop: pause every call on the node, or suspend one agent, in one step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from harbor.contracts import PauseState
from harbor.errors import Conflict, Paused
from harbor.runtime.audit import record_change
from harbor.runtime.identity import get_agent
from harbor.runtime.state import delete_state, read_state, write_state
from harbor.store.types import utcnow

PAUSE_KEY = "paused"


def pause_state(session: Session) -> PauseState:
    """Whether the node is paused, by whom, since when and why."""
    stored: dict[str, Any] | None = read_state(session, PAUSE_KEY)
    if not stored:
        return PauseState(paused=False)
    return PauseState(
        paused=True,
        by=stored.get("by"),
        since=datetime.fromisoformat(stored["since"]),
        reason=stored.get("reason", ""),
    )


def pause_node(session: Session, by: str, reason: str) -> PauseState:
    """Stop every new call (and every approved call from starting) until resumed."""
    if read_state(session, PAUSE_KEY):
        raise Conflict("the node is already paused; resume it first")
    write_state(session, PAUSE_KEY, {"by": by, "since": utcnow().isoformat(), "reason": reason})
    record_change(session, "node.paused", "node", details={"reason": reason})
    return pause_state(session)


def resume_node(session: Session) -> PauseState:
    """Let calls run again."""
    if not read_state(session, PAUSE_KEY):
        raise Conflict("the node is not paused")
    delete_state(session, PAUSE_KEY)
    record_change(session, "node.resumed", "node")
    return pause_state(session)


def suspend_agent(session: Session, name: str, reason: str) -> None:
    """Refuse every call of one agent until it is resumed (its keys stay valid)."""
    agent = get_agent(session, name)
    if agent.suspended_at is not None:
        raise Conflict(f"agent '{name}' is already suspended")
    agent.suspended_at = utcnow()
    session.add(agent)
    record_change(session, "agent.suspended", f"agent:{name}", details={"reason": reason})


def resume_agent(session: Session, name: str) -> None:
    """Let a suspended agent call again."""
    agent = get_agent(session, name)
    if agent.suspended_at is None:
        raise Conflict(f"agent '{name}' is not suspended")
    agent.suspended_at = None
    session.add(agent)
    record_change(session, "agent.resumed", f"agent:{name}")


def ensure_calls_allowed(session: Session, agent_suspended: bool) -> None:
    """Paused (503) when the node is paused or this agent is suspended."""
    state = pause_state(session)
    if state.paused:
        raise Paused(
            f"the operator paused all calls on this node ({state.reason or 'no reason given'}); "
            "try again after they resume it"
        )
    if agent_suspended:
        raise Paused("the operator suspended this agent; its calls are refused until resumed")
