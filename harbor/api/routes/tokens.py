"""``/api/v1/tokens``: operator API tokens (operator only)."""

from __future__ import annotations

from fastapi import APIRouter, status

from harbor.api.deps import ActorDep, NodeDep, RowId
from harbor.contracts import TokenCreate, TokenCreated, TokenPublic
from harbor.runtime import identity

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.post("", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, node: NodeDep, actor: ActorDep) -> TokenCreated:
    """Create an operator token. The token is shown once, in this response."""
    with node.store.session(actor) as session:
        return identity.create_operator_token(session, body.name, body.expires_in_days)


@router.get("", response_model=list[TokenPublic])
def list_tokens(node: NodeDep, actor: ActorDep) -> list[TokenPublic]:
    """Every operator token (never the token values)."""
    with node.store.session(actor) as session:
        return identity.list_operator_tokens(session)


@router.post("/{token_id}/revoke", response_model=TokenPublic)
def revoke_token(token_id: RowId, node: NodeDep, actor: ActorDep) -> TokenPublic:
    """Revoke an operator token."""
    with node.store.session(actor) as session:
        return identity.revoke_operator_token(session, token_id)
