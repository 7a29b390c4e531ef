"""``/api/v1/ports``: ports, their secrets (write-only) and connection checks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, status

from harbor.api.deps import ActorDep, NodeDep
from harbor.contracts import (
    PORT_NAME_PATTERN,
    DraftPublic,
    PortCreate,
    PortPublic,
    PortUpdate,
    Problem,
    SecretSet,
    TemplatesApply,
)
from harbor.runtime import drafts, execution, ports

router = APIRouter(prefix="/ports", tags=["ports"])
PortName = Path(pattern=PORT_NAME_PATTERN)
SecretName = Path(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": Problem, "description": "Conflict"}}


@router.get("", response_model=list[PortPublic])
def list_ports(node: NodeDep) -> list[PortPublic]:
    """Every port with its status and which secrets are set."""
    with node.store.session() as session:
        return ports.list_ports(session, node)


@router.post(
    "",
    response_model=PortPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**CONFLICT, 404: {"model": Problem, "description": "No such connector"}},
)
def create_port(body: PortCreate, node: NodeDep, actor: ActorDep) -> PortPublic:
    """Create a port; set its secrets next with PUT .../secrets/{name}."""
    with node.store.session(actor) as session:
        return ports.create_port(session, node, body)


@router.get("/{port}", response_model=PortPublic)
def read_port(node: NodeDep, port: str = PortName) -> PortPublic:
    """One port."""
    with node.store.session() as session:
        return ports.port_public(session, node, ports.get_port(session, port))


@router.patch("/{port}", response_model=PortPublic)
def update_port(
    body: PortUpdate, node: NodeDep, actor: ActorDep, port: str = PortName
) -> PortPublic:
    """Change a port's description, config or disabled flag."""
    with node.store.session(actor) as session:
        return ports.update_port(session, node, port, body)


@router.delete("/{port}", status_code=status.HTTP_204_NO_CONTENT)
def delete_port(node: NodeDep, actor: ActorDep, port: str = PortName) -> None:
    """Delete a port with its secrets, actions and drafts."""
    with node.store.session(actor) as session:
        ports.delete_port(session, port)


@router.put("/{port}/secrets/{name}", response_model=PortPublic)
def set_secret(
    body: SecretSet,
    node: NodeDep,
    actor: ActorDep,
    port: str = PortName,
    name: str = SecretName,
) -> PortPublic:
    """Set a secret (value or reference). The value is never returned by any route."""
    with node.store.session(actor) as session:
        return ports.set_port_secret(session, node, port, name, body)


@router.delete("/{port}/secrets/{name}", response_model=PortPublic)
def delete_secret(
    node: NodeDep, actor: ActorDep, port: str = PortName, name: str = SecretName
) -> PortPublic:
    """Remove a secret."""
    with node.store.session(actor) as session:
        return ports.delete_port_secret(session, node, port, name)


@router.post("/{port}/check", response_model=PortPublic)
async def check_port(node: NodeDep, actor: ActorDep, port: str = PortName) -> PortPublic:
    """Run the connector's connection test; the result is stored on the port."""
    return await execution.check_port(node, port, actor)


@router.post(
    "/{port}/templates/apply",
    response_model=list[DraftPublic],
    status_code=status.HTTP_201_CREATED,
)
def apply_templates(
    body: TemplatesApply, node: NodeDep, actor: ActorDep, port: str = PortName
) -> list[DraftPublic]:
    """Add the usual actions: drafts from the connector's starter templates."""
    with node.store.session(actor) as session:
        return drafts.apply_templates(session, node, port, body)
