"""``/api/v1/ports/{port}/actions``: published actions, versions, diffs, state, roll back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from harbor.api.deps import ActorDep, NodeDep
from harbor.contracts import (
    ACTION_NAME_PATTERN,
    PORT_NAME_PATTERN,
    ActionDiff,
    ActionPublic,
    ActionRollback,
    ActionStateUpdate,
    ActionVersionPublic,
    Problem,
)
from harbor.runtime import actions

router = APIRouter(prefix="/ports/{port}/actions", tags=["actions"])
PortName = Annotated[str, Path(pattern=PORT_NAME_PATTERN)]
ActionName = Annotated[str, Path(pattern=ACTION_NAME_PATTERN)]
Version = Annotated[int, Query(ge=1, le=1_000_000)]
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": Problem, "description": "Conflict"}}


@router.get("", response_model=list[ActionPublic])
def list_actions(port: PortName, node: NodeDep) -> list[ActionPublic]:
    """Every action of the port with its current version and state."""
    with node.store.session() as session:
        return actions.list_actions(session, port)


@router.get("/{action}", response_model=ActionPublic)
def read_action(port: PortName, action: ActionName, node: NodeDep) -> ActionPublic:
    """One action."""
    with node.store.session() as session:
        return actions.read_action(session, port, action)


@router.patch("/{action}", response_model=ActionPublic)
def set_action_state(
    port: PortName, action: ActionName, body: ActionStateUpdate, node: NodeDep, actor: ActorDep
) -> ActionPublic:
    """Enable, disable or archive the action."""
    with node.store.session(actor) as session:
        return actions.set_action_state(session, port, action, body.state)


@router.get("/{action}/versions", response_model=list[ActionVersionPublic])
def list_versions(port: PortName, action: ActionName, node: NodeDep) -> list[ActionVersionPublic]:
    """Every published version, newest first."""
    with node.store.session() as session:
        return actions.list_versions(session, port, action)


@router.get("/{action}/diff", response_model=ActionDiff)
def diff_versions(
    port: PortName, action: ActionName, node: NodeDep, from_version: Version, to_version: Version
) -> ActionDiff:
    """What changed between two versions."""
    with node.store.session() as session:
        return actions.diff_versions(session, port, action, from_version, to_version)


@router.post("/{action}/rollback", response_model=ActionPublic, responses=CONFLICT)
def rollback_action(
    port: PortName, action: ActionName, body: ActionRollback, node: NodeDep, actor: ActorDep
) -> ActionPublic:
    """Publish an earlier version's definition as a new version."""
    with node.store.session(actor) as session:
        return actions.rollback_action(session, port, action, body.version)
