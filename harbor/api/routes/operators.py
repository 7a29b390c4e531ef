"""``/api/v1/operators``: team operators, their roles and invitations.

Reading needs any operator role; inviting, changing roles and removing accounts need the
owner. Inviting and joining need a licence for the ``team`` feature; accounts made while it
was licensed stay listed (``needs_licence``) when it lapses.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from harbor.api.access import public_access
from harbor.api.deps import ActorDep, NodeDep, PrincipalDep, RowId
from harbor.contracts import (
    InvitationAccept,
    InvitationCreate,
    InvitationCreated,
    InvitationPublic,
    OperatorPublic,
    OperatorUpdate,
    Problem,
    TokenCreated,
)
from harbor.runtime import operators
from harbor.runtime.audit import Actor
from harbor.runtime.state import get_operator_settings

router = APIRouter(prefix="/operators", tags=["operators"])
CONFLICT: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such operator"},
    409: {"model": Problem, "description": "Yourself, or the last active owner"},
}
NEEDS_TEAM: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "The node is not licensed for team operators"},
}


@router.get("", response_model=list[OperatorPublic])
def list_operators(node: NodeDep) -> list[OperatorPublic]:
    """Every operator with role and status, the owner first."""
    with node.store.read_session() as session:
        return operators.list_operators(session, operators.team_enabled(node))


@router.patch("/{name}", response_model=OperatorPublic, responses=CONFLICT)
def update_operator(
    name: str, body: OperatorUpdate, node: NodeDep, actor: ActorDep, principal: PrincipalDep
) -> OperatorPublic:
    """Change an operator's role, or disable or enable the account."""
    with node.store.session(actor) as session:
        return operators.update_operator(
            session, name, body, principal, operators.team_enabled(node)
        )


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=CONFLICT)
def remove_operator(name: str, node: NodeDep, actor: ActorDep, principal: PrincipalDep) -> None:
    """Remove an operator account and its tokens (the audit log keeps what they did)."""
    with node.store.session(actor) as session:
        operators.remove_operator(session, name, principal)


@router.get("/invitations", response_model=list[InvitationPublic])
def list_invitations(node: NodeDep) -> list[InvitationPublic]:
    """Every invitation, newest first (never their tokens)."""
    with node.store.read_session() as session:
        return operators.list_invitations(session)


@router.post(
    "/invitations",
    response_model=InvitationCreated,
    status_code=status.HTTP_201_CREATED,
    responses=NEEDS_TEAM,
)
def create_invitation(
    body: InvitationCreate, node: NodeDep, actor: ActorDep, principal: PrincipalDep
) -> InvitationCreated:
    """A one-time invitation link for a new operator with ``role`` (shown once)."""
    operators.require_team(node)
    with node.store.session(actor) as session:
        public_url = get_operator_settings(session).public_url
        return operators.create_invitation(session, body, principal, public_url)


@router.delete(
    "/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: CONFLICT[404], 409: {"model": Problem, "description": "Already used"}},
)
def revoke_invitation(invitation_id: RowId, node: NodeDep, actor: ActorDep) -> None:
    """Withdraw an unused invitation."""
    with node.store.session(actor) as session:
        operators.revoke_invitation(session, invitation_id)


@router.post(
    "/join",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=public_access(),
    responses={
        **NEEDS_TEAM,
        401: {"model": Problem, "description": "Unknown, used or expired invitation"},
        409: {"model": Problem, "description": "The name is taken"},
    },
)
def join(body: InvitationAccept, node: NodeDep) -> TokenCreated:
    """Accept an invitation: create the account and receive its first operator token."""
    operators.require_team(node)
    with node.store.session(Actor(type="operator", name=body.name)) as session:
        return operators.accept_invitation(session, body)
