"""First-run setup, operator sign-in, whoami and password change."""

from __future__ import annotations

from fastapi import APIRouter, status

from harbor.api.access import agent_access, operator_role, public_access
from harbor.api.deps import ActorDep, NodeDep, PrincipalDep
from harbor.contracts import (
    LoginRequest,
    PasswordChange,
    Problem,
    SetupRequest,
    TokenCreated,
    Whoami,
)
from harbor.runtime import identity, setup
from harbor.runtime import login as login_runtime

router = APIRouter(tags=["auth"])


@router.post(
    "/setup",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=public_access(),
    responses={
        401: {"model": Problem, "description": "Wrong or expired setup token"},
        409: {"model": Problem, "description": "The operator is already set up"},
    },
)
def complete_setup(body: SetupRequest, node: NodeDep) -> TokenCreated:
    """Exchange the one-time setup token the node printed for the operator password."""
    with node.store.session() as session:
        return setup.complete_setup(session, body.setup_token, body.password)


@router.post(
    "/auth/login",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=public_access(),
    responses={
        401: {"model": Problem, "description": "Wrong password"},
        429: {"model": Problem, "description": "Too many wrong passwords lately; wait"},
    },
)
def login(body: LoginRequest, node: NodeDep) -> TokenCreated:
    """Sign in with an operator's name and password (the owner's when no name is given);
    returns a new operator token (throttled)."""
    return login_runtime.sign_in(
        node, body.password, body.token_name, body.expires_in_days, name=body.name
    )


@router.get("/auth/whoami", response_model=Whoami, openapi_extra=agent_access())
def whoami(principal: PrincipalDep) -> Whoami:
    """Who the presented credential belongs to (agents see their scopes)."""
    scopes = list(principal.scopes) if principal.role == "agent" else None
    return Whoami(
        role=principal.role,
        name=principal.name,
        scopes=scopes,
        operator_role=principal.operator_role,
    )


@router.post(
    "/auth/password",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=operator_role("viewer"),
)
def change_password(
    body: PasswordChange, node: NodeDep, actor: ActorDep, principal: PrincipalDep
) -> None:
    """Change the calling operator's password (the current one is required)."""
    with node.store.session(actor) as session:
        identity.change_operator_password(
            session, body.current_password, body.new_password, name=principal.name
        )
