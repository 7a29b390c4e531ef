"""Operators (``/operators``): the team, their roles and invitations; ``/join`` to accept one.

Every operator can see the team; only the owner invites, changes roles, disables or removes
(the role check of :mod:`harbor.api.access` applies to these forms as to the API).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.contracts import InvitationAccept, InvitationCreate, OperatorUpdate
from harbor.errors import HarborError
from harbor.node import Node
from harbor.runtime import operators
from harbor.runtime.audit import Actor
from harbor.runtime.state import get_operator_settings
from harbor.ui.pages.schema_forms import build_model
from harbor.ui.rendering import redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import (
    SESSION_DAYS,
    SESSION_TOKEN_NAME,
    NodeDep,
    OperatorDep,
    OperatorSession,
    OptionalOperatorDep,
    set_session_cookie,
)

router = ui_router()
ROLE_CHOICES = [("approver", "approver"), ("viewer", "viewer"), ("owner", "owner")]
Role = Annotated[str, Form(max_length=16)]


def _page(
    request: Request,
    node: Node,
    operator: OperatorSession,
    error: HarborError | None = None,
    invited: object = None,
) -> HTMLResponse:
    licensed = operators.team_enabled(node)
    with node.store.read_session() as session:
        team = operators.list_operators(session, licensed)
        invitations = operators.list_invitations(session)
    context = {
        "team": team,
        "invitations": invitations,
        "licensed": licensed,
        "is_owner": operator.role == "owner",
        "me": operator.principal.name,
        "roles": ROLE_CHOICES,
        "invited": invited,
    }
    status = error.status if error else (201 if invited else 200)
    return render(request, "operators/index.html", context, status_code=status, error=error)


@router.get("/operators")
def operators_page(request: Request, node: NodeDep, operator: OperatorDep) -> HTMLResponse:
    """The team: who can sign in to this node, with which role."""
    return _page(request, node, operator)


@router.post("/operators/invitations", response_model=None)
def invite(
    request: Request, node: NodeDep, operator: OperatorDep, role: Role = "approver"
) -> HTMLResponse:
    """Create a one-time invitation link and show it once."""
    try:
        operators.require_team(node)
        spec = build_model(InvitationCreate, {"role": role})
        with node.store.session(operator.actor) as session:
            public_url = get_operator_settings(session).public_url
            created = operators.create_invitation(session, spec, operator.principal, public_url)
    except HarborError as err:
        return _page(request, node, operator, err)
    link = created.url or f"{str(request.base_url).rstrip('/')}/join?token={created.token}"
    return _page(request, node, operator, invited={"link": link, "invitation": created})


@router.post("/operators/invitations/{invitation_id}/revoke", response_model=None)
def revoke_invitation(
    request: Request, node: NodeDep, operator: OperatorDep, invitation_id: int
) -> HTMLResponse | RedirectResponse:
    """Withdraw an unused invitation."""
    try:
        with node.store.session(operator.actor) as session:
            operators.revoke_invitation(session, invitation_id)
    except HarborError as err:
        return _page(request, node, operator, err)
    return redirect_to(request, "/operators", f"Invitation {invitation_id} withdrawn.")


@router.post("/operators/{name}", response_model=None)
def update_operator(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    name: str,
    role: Annotated[str, Form(max_length=16)] = "",
    disabled: Annotated[str, Form(max_length=5)] = "",
) -> HTMLResponse | RedirectResponse:
    """Change a role, or disable or enable an account."""
    values: dict[str, object] = {}
    if role:
        values["role"] = role
    if disabled:
        values["disabled"] = disabled == "true"
    try:
        spec = build_model(OperatorUpdate, values)
        with node.store.session(operator.actor) as session:
            changed = operators.update_operator(
                session, name, spec, operator.principal, operators.team_enabled(node)
            )
    except HarborError as err:
        return _page(request, node, operator, err)
    return redirect_to(
        request, "/operators", f"{changed.name} is now {changed.role}, {changed.status}."
    )


@router.post("/operators/{name}/remove", response_model=None)
def remove_operator(
    request: Request, node: NodeDep, operator: OperatorDep, name: str
) -> HTMLResponse | RedirectResponse:
    """Remove an account and its sessions and tokens."""
    try:
        with node.store.session(operator.actor) as session:
            operators.remove_operator(session, name, operator.principal)
    except HarborError as err:
        return _page(request, node, operator, err)
    return redirect_to(request, "/operators", f"{name} was removed.")


# --- joining ------------------------------------------------------------------------------


@router.get("/join", response_model=None)
def join_page(
    request: Request,
    node: NodeDep,
    operator: OptionalOperatorDep,
    token: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """The invited person chooses a name and password."""
    return render(
        request,
        "operators/join.html",
        {"token": token, "name": "", "licensed": operators.team_enabled(node)},
    )


@router.post("/join", response_model=None)
def join(
    request: Request,
    node: NodeDep,
    token: Annotated[str, Form(max_length=200)],
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
) -> HTMLResponse | RedirectResponse:
    """Create the account and sign the new operator in."""
    try:
        operators.require_team(node)
        spec = build_model(
            InvitationAccept, {"token": token, "name": name.strip(), "password": password}
        )
        spec = spec.model_copy(update={"token_name": SESSION_TOKEN_NAME})
        with node.store.session(Actor(type="operator", name=spec.name)) as session:
            created = operators.accept_invitation(session, spec, expires_in_days=SESSION_DAYS)
    except HarborError as err:
        context = {"token": token, "name": name, "licensed": operators.team_enabled(node)}
        return render(request, "operators/join.html", context, status_code=err.status, error=err)
    response = redirect_to(request, "/", f"Welcome, {spec.name}. You are signed in.")
    set_session_cookie(request, response, created.token)
    return response
