"""Agents and keys (``/agents``): agents with their scopes and keys, operator API tokens, and
the operator password.

A new key or token is shown once, on the page that answers the form (never in a redirect,
a cookie or a log), with a copy button; the page is not cached.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.api.access import operator_role
from harbor.contracts import AgentCreate, AgentUpdate, PasswordChange, TokenCreate
from harbor.errors import HarborError, InvalidRequest
from harbor.node import Node
from harbor.runtime import identity, pause
from harbor.ui.pages.schema_forms import build_model, split_lines
from harbor.ui.rendering import redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import SESSION_TOKEN_NAME, NodeDep, OperatorDep, OperatorSession

router = ui_router()
Days = Annotated[str, Form(max_length=5)]


def _page(
    request: Request,
    node: Node,
    operator: OperatorSession,
    error: HarborError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    with node.store.read_session() as session:
        agents = identity.list_agents(session)
        tokens = identity.list_operator_tokens(session, operator.principal.id)
    context = {
        "agents": agents,
        "tokens": tokens,
        "current_token_id": operator.principal.credential_id,
        "session_token_name": SESSION_TOKEN_NAME,
        "values": values or {},
    }
    return render(
        request,
        "agents/index.html",
        context,
        status_code=error.status if error else 200,
        error=error,
    )


def _shown_once(request: Request, title: str, value: str, about: str, usage: str) -> HTMLResponse:
    context = {"title": title, "value": value, "about": about, "usage": usage}
    return render(request, "agents/shown_once.html", context)


def _days(raw: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 3650:
        raise InvalidRequest(
            "expiry must be a whole number of days from 1 to 3650, or empty for never"
        )
    return int(text)


@router.get("/agents")
def agents_page(request: Request, node: NodeDep, operator: OperatorDep) -> HTMLResponse:
    """Agents, their keys, operator tokens and the password form."""
    return _page(request, node, operator)


# --- agents ------------------------------------------------------------------------------------


@router.post("/agents", response_model=None)
def create_agent(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    name: Annotated[str, Form(max_length=100)],
    scopes: Annotated[str, Form(max_length=20_000)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    expires_in_days: Days = "",
) -> HTMLResponse:
    """Create an agent and show its first key once."""
    values = {
        "name": name,
        "scopes": scopes,
        "description": description,
        "expires_in_days": expires_in_days,
    }
    try:
        spec = build_model(
            AgentCreate,
            {
                "name": name.strip(),
                "description": description.strip(),
                "scopes": split_lines(scopes),
                "expires_in_days": _days(expires_in_days),
            },
        )
        with node.store.session(operator.actor) as session:
            created = identity.create_agent(session, spec)
    except HarborError as err:
        return _page(request, node, operator, err, values)
    return _shown_once(
        request,
        f"Agent {created.agent.name} created",
        created.key.key,
        "This is the agent's key. Copy it now: Harbor keeps only a hash and cannot show it again.",
        "HARBOR_KEY",
    )


def _agent_change(
    request: Request, node: Node, operator: OperatorSession, change: Any, done: str
) -> HTMLResponse | RedirectResponse:
    try:
        with node.store.session(operator.actor) as session:
            change(session)
    except HarborError as err:
        return _page(request, node, operator, err)
    return redirect_to(request, "/agents", done)


@router.post("/agents/{name}/scopes", response_model=None)
def set_scopes(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    name: str,
    scopes: Annotated[str, Form(max_length=20_000)] = "",
) -> HTMLResponse | RedirectResponse:
    """Replace the agent's scopes; its keys keep working."""
    try:
        update = build_model(AgentUpdate, {"scopes": split_lines(scopes)})
        with node.store.session(operator.actor) as session:
            identity.update_agent(session, name, update)
    except HarborError as err:
        return _page(request, node, operator, err)
    return redirect_to(request, f"/agents#agent-{name}", f"Scopes of {name} saved.")


@router.post("/agents/{name}/suspend", response_model=None)
def suspend_agent(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    name: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse | RedirectResponse:
    """Refuse every call of the agent until resumed; its keys stay valid."""
    return _agent_change(
        request, node, operator, lambda s: pause.suspend_agent(s, name, reason.strip()),
        f"Agent {name} suspended: its calls are refused until you resume it.",
    )  # fmt: skip


@router.post("/agents/{name}/resume", response_model=None)
def resume_agent(
    request: Request, node: NodeDep, operator: OperatorDep, name: str
) -> HTMLResponse | RedirectResponse:
    """Let a suspended agent call again."""
    return _agent_change(
        request, node, operator, lambda s: pause.resume_agent(s, name), f"Agent {name} resumed."
    )


@router.post("/agents/{name}/revoke", response_model=None)
def revoke_agent(
    request: Request, node: NodeDep, operator: OperatorDep, name: str
) -> HTMLResponse | RedirectResponse:
    """Revoke the agent and all of its keys."""
    return _agent_change(
        request, node, operator, lambda s: identity.revoke_agent(s, name),
        f"Agent {name} revoked with all its keys.",
    )  # fmt: skip


# --- keys ------------------------------------------------------------------------------------


@router.post("/agents/{name}/keys", response_model=None)
def add_key(
    request: Request, node: NodeDep, operator: OperatorDep, name: str, expires_in_days: Days = ""
) -> HTMLResponse:
    """Give the agent one more key and show it once."""
    try:
        with node.store.session(operator.actor) as session:
            created = identity.create_agent_key(session, name, _days(expires_in_days))
    except HarborError as err:
        return _page(request, node, operator, err)
    return _shown_once(
        request,
        f"New key for {name}",
        created.key,
        "The agent's other keys keep working. Copy this one now: it is never shown again.",
        "HARBOR_KEY",
    )


@router.post("/agents/{name}/keys/{key_id}/rotate", response_model=None)
def rotate_key(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    name: str,
    key_id: int,
    expires_in_days: Days = "",
) -> HTMLResponse:
    """Replace a key in one step: show the new one once, revoke the old one."""
    try:
        with node.store.session(operator.actor) as session:
            created = identity.rotate_agent_key(session, name, key_id, _days(expires_in_days))
    except HarborError as err:
        return _page(request, node, operator, err)
    return _shown_once(
        request,
        f"Key of {name} rotated",
        created.key,
        f"The old key (id {key_id}) no longer works. Give the agent this one: "
        "it is never shown again.",
        "HARBOR_KEY",
    )


@router.post("/agents/{name}/keys/{key_id}/revoke", response_model=None)
def revoke_key(
    request: Request, node: NodeDep, operator: OperatorDep, name: str, key_id: int
) -> HTMLResponse | RedirectResponse:
    """Revoke one key of the agent."""
    return _agent_change(
        request, node, operator, lambda s: identity.revoke_agent_key(s, name, key_id),
        f"Key {key_id} of {name} revoked.",
    )  # fmt: skip


# --- operator tokens and password --------------------------------------------------------------


@router.post("/agents/tokens", response_model=None, openapi_extra=operator_role("viewer"))
def create_token(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    name: Annotated[str, Form(max_length=100)],
    expires_in_days: Days = "",
) -> HTMLResponse:
    """Create an operator API token and show it once."""
    try:
        spec = build_model(
            TokenCreate, {"name": name.strip(), "expires_in_days": _days(expires_in_days)}
        )
        with node.store.session(operator.actor) as session:
            created = identity.create_operator_token(
                session, spec.name, spec.expires_in_days, operator_id=operator.principal.id
            )
    except HarborError as err:
        return _page(request, node, operator, err, {"token_name": name})
    return _shown_once(
        request,
        f"Operator token {created.name} created",
        created.token,
        "It acts as you, the operator: keep it like a password. It is never shown again.",
        "HARBOR_TOKEN",
    )


@router.post(
    "/agents/tokens/{token_id}/revoke",
    response_model=None,
    openapi_extra=operator_role("viewer"),
)
def revoke_token(
    request: Request, node: NodeDep, operator: OperatorDep, token_id: int
) -> HTMLResponse | RedirectResponse:
    """Revoke an operator token (a console session is a token too)."""
    return _agent_change(
        request, node, operator,
        lambda s: identity.revoke_operator_token(s, token_id, operator.principal.id),
        f"Operator token {token_id} revoked.",
    )  # fmt: skip


@router.post("/agents/password", response_model=None, openapi_extra=operator_role("viewer"))
def change_password(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    new_password_again: Annotated[str, Form(max_length=1024)],
) -> HTMLResponse | RedirectResponse:
    """Change the operator password (the current one is required)."""
    try:
        if new_password != new_password_again:
            raise InvalidRequest("the two new passwords differ; type the same password twice")
        body = build_model(
            PasswordChange, {"current_password": current_password, "new_password": new_password}
        )
        with node.store.session(operator.actor) as session:
            identity.change_operator_password(
                session, body.current_password, body.new_password, operator.principal.name
            )
    except HarborError as err:
        return _page(request, node, operator, err)
    return redirect_to(
        request, "/agents#password", "Password changed. Use the new one next time you sign in."
    )
