"""``/api/v1/tokens``: an operator's own API tokens (every operator role manages its own)."""

from __future__ import annotations

from fastapi import APIRouter, status

from harbor.api.access import operator_role
from harbor.api.deps import ActorDep, NodeDep, PrincipalDep, RowId
from harbor.contracts import TokenCreate, TokenCreated, TokenPublic
from harbor.runtime import identity

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.post(
    "",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=operator_role("viewer"),
)
def create_token(
    body: TokenCreate, node: NodeDep, actor: ActorDep, principal: PrincipalDep
) -> TokenCreated:
    """Create a token for the calling operator. The token is shown once, in this response."""
    with node.store.session(actor) as session:
        return identity.create_operator_token(
            session, body.name, body.expires_in_days, operator_id=principal.id
        )


@router.get("", response_model=list[TokenPublic])
def list_tokens(node: NodeDep, actor: ActorDep, principal: PrincipalDep) -> list[TokenPublic]:
    """The calling operator's tokens (never the token values)."""
    with node.store.session(actor) as session:
        return identity.list_operator_tokens(session, operator_id=principal.id)


@router.post(
    "/{token_id}/revoke", response_model=TokenPublic, openapi_extra=operator_role("viewer")
)
def revoke_token(
    token_id: RowId, node: NodeDep, actor: ActorDep, principal: PrincipalDep
) -> TokenPublic:
    """Revoke one of the calling operator's tokens."""
    with node.store.session(actor) as session:
        return identity.revoke_operator_token(session, token_id, operator_id=principal.id)
