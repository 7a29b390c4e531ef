"""``/api/v1/agents``: agent identities, their scopes and API keys (operator only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, status

from harbor.api.deps import ActorDep, NodeDep, RowId
from harbor.contracts import (
    AGENT_NAME_PATTERN,
    AgentCreate,
    AgentCreated,
    AgentKeyCreate,
    AgentKeyCreated,
    AgentKeyPublic,
    AgentPublic,
    AgentUpdate,
    PauseRequest,
    Problem,
)
from harbor.runtime import identity, pause

router = APIRouter(prefix="/agents", tags=["agents"])
AgentName = Path(pattern=AGENT_NAME_PATTERN)
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "Name taken, or the agent is revoked"}
}


@router.post(
    "", response_model=AgentCreated, status_code=status.HTTP_201_CREATED, responses=CONFLICT
)
def create_agent(body: AgentCreate, node: NodeDep, actor: ActorDep) -> AgentCreated:
    """Create an agent with its first key. The key is shown once, in this response."""
    with node.store.session(actor) as session:
        return identity.create_agent(session, body)


@router.get("", response_model=list[AgentPublic])
def list_agents(node: NodeDep, actor: ActorDep) -> list[AgentPublic]:
    """Every agent with its keys (never the key values)."""
    with node.store.session(actor) as session:
        return identity.list_agents(session)


@router.get("/{name}", response_model=AgentPublic)
def get_agent(node: NodeDep, actor: ActorDep, name: str = AgentName) -> AgentPublic:
    """One agent by name."""
    with node.store.session(actor) as session:
        return identity.agent_public(session, identity.get_agent(session, name))


@router.patch("/{name}", response_model=AgentPublic, responses=CONFLICT)
def update_agent(
    body: AgentUpdate, node: NodeDep, actor: ActorDep, name: str = AgentName
) -> AgentPublic:
    """Change the agent's scopes (replacing them) or description; its keys keep working."""
    with node.store.session(actor) as session:
        return identity.update_agent(session, name, body)


@router.post("/{name}/revoke", response_model=AgentPublic)
def revoke_agent(node: NodeDep, actor: ActorDep, name: str = AgentName) -> AgentPublic:
    """Revoke the agent and all of its keys at once."""
    with node.store.session(actor) as session:
        return identity.revoke_agent(session, name)


@router.post("/{name}/suspend", response_model=AgentPublic, responses=CONFLICT)
def suspend_agent(
    body: PauseRequest, node: NodeDep, actor: ActorDep, name: str = AgentName
) -> AgentPublic:
    """Refuse every call of this agent (503 ``paused``) until resumed; keys stay valid."""
    with node.store.session(actor) as session:
        pause.suspend_agent(session, name, body.reason)
        return identity.agent_public(session, identity.get_agent(session, name))


@router.post("/{name}/resume", response_model=AgentPublic, responses=CONFLICT)
def resume_agent(node: NodeDep, actor: ActorDep, name: str = AgentName) -> AgentPublic:
    """Let a suspended agent call again."""
    with node.store.session(actor) as session:
        pause.resume_agent(session, name)
        return identity.agent_public(session, identity.get_agent(session, name))


@router.post(
    "/{name}/keys",
    response_model=AgentKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=CONFLICT,
)
def create_agent_key(
    body: AgentKeyCreate, node: NodeDep, actor: ActorDep, name: str = AgentName
) -> AgentKeyCreated:
    """Add a key to the agent (for rotation: add, switch the agent over, revoke the old)."""
    with node.store.session(actor) as session:
        return identity.create_agent_key(session, name, body.expires_in_days)


@router.post("/{name}/keys/{key_id}/revoke", response_model=AgentKeyPublic)
def revoke_agent_key(
    node: NodeDep, actor: ActorDep, key_id: RowId, name: str = AgentName
) -> AgentKeyPublic:
    """Revoke one key of the agent."""
    with node.store.session(actor) as session:
        return identity.revoke_agent_key(session, name, key_id)


@router.post(
    "/{name}/keys/{key_id}/rotate",
    response_model=AgentKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=CONFLICT,
)
def rotate_agent_key(
    body: AgentKeyCreate, node: NodeDep, actor: ActorDep, key_id: RowId, name: str = AgentName
) -> AgentKeyCreated:
    """Replace a key in one step: the new key is shown once, here; the old one is revoked."""
    with node.store.session(actor) as session:
        return identity.rotate_agent_key(session, name, key_id, body.expires_in_days)
