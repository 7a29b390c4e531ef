"""``/api/v1/node``: the emergency stop for every call on the node, and the node at a glance
(operator only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from harbor.api.deps import ActorDep, NodeDep
from harbor.contracts import NodeOverview, PauseRequest, PauseState, Problem
from harbor.runtime import pause
from harbor.runtime.overview import node_overview

router = APIRouter(prefix="/node", tags=["node"])
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "Already in that state"}
}


@router.get("/overview", response_model=NodeOverview)
def read_overview(node: NodeDep) -> NodeOverview:
    """The node at a glance: health, counts, calls of the last 24 hours, recent failures."""
    return node_overview(node)


@router.get("/pause", response_model=PauseState)
def read_pause(node: NodeDep) -> PauseState:
    """Whether calls are paused, by whom and since when."""
    with node.store.session() as session:
        return pause.pause_state(session)


@router.post("/pause", response_model=PauseState, responses=CONFLICT)
def pause_node(body: PauseRequest, node: NodeDep, actor: ActorDep) -> PauseState:
    """Refuse every new call (503 ``paused``) and hold approved calls until resumed."""
    with node.store.session(actor) as session:
        return pause.pause_node(session, actor.name, body.reason)


@router.post("/resume", response_model=PauseState, responses=CONFLICT)
def resume_node(node: NodeDep, actor: ActorDep) -> PauseState:
    """Let calls run again; held approved calls start."""
    with node.store.session(actor) as session:
        state = pause.resume_node(session)
    if node.dispatcher is not None:
        node.dispatcher.wake()
    return state
