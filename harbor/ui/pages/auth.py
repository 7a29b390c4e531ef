"""First-run setup, sign-in and sign-out of the console."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.api.access import operator_role
from harbor.errors import HarborError, InvalidRequest
from harbor.node import Node
from harbor.runtime import login, setup
from harbor.runtime.operators import locked_team_accounts
from harbor.ui.rendering import redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import (
    SESSION_COOKIE,
    SESSION_DAYS,
    SESSION_TOKEN_NAME,
    NodeDep,
    OptionalOperatorDep,
    clear_session_cookie,
    local_path,
    set_session_cookie,
)

router = ui_router()
NextPath = Annotated[str | None, Query(alias="next", max_length=2000)]


def _needs_setup(node: NodeDep) -> bool:
    with node.store.read_session() as session:
        return setup.needs_setup(session)


@router.get("/setup", response_model=None)
def setup_page(request: Request, node: NodeDep) -> HTMLResponse | RedirectResponse:
    """The first-run page: the one-time setup token, then the operator password."""
    if not _needs_setup(node):
        return redirect_to(request, "/login", "The operator is already set up; sign in.", "info")
    return render(request, "auth/setup.html")


@router.post("/setup", response_model=None)
def complete_setup(
    request: Request,
    node: NodeDep,
    setup_token: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    password_again: Annotated[str, Form(max_length=1000)],
) -> HTMLResponse | RedirectResponse:
    """Set the operator password and sign in."""
    try:
        if password != password_again:
            raise InvalidRequest("the two passwords differ; type the same password twice")
        with node.store.session(login.OPERATOR) as session:
            created = setup.complete_setup(
                session, setup_token.strip(), password, SESSION_TOKEN_NAME, SESSION_DAYS
            )
    except HarborError as err:
        return render(request, "auth/setup.html", status_code=err.status, error=err)
    response = redirect_to(request, "/", "Harbor is set up and you are signed in.")
    set_session_cookie(request, response, created.token)
    return response


def _login_context(node: Node, next_path: str | None) -> dict[str, object]:
    return {"next": local_path(next_path) or "", "team_locked": locked_team_accounts(node)}


@router.get("/login", response_model=None)
def login_page(
    request: Request, node: NodeDep, operator: OptionalOperatorDep, next_path: NextPath = None
) -> HTMLResponse | RedirectResponse:
    """The sign-in page."""
    if operator is not None:
        return redirect_to(request, local_path(next_path) or "/")
    if _needs_setup(node):
        return redirect_to(request, "/setup")
    return render(request, "auth/login.html", _login_context(node, next_path))


@router.post("/login", response_model=None)
def sign_in(
    request: Request,
    node: NodeDep,
    password: Annotated[str, Form(max_length=1000)],
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "",
    name: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse | RedirectResponse:
    """Check the name and password (throttled, audited) and start a session."""
    try:
        created = login.sign_in(
            node, password, SESSION_TOKEN_NAME, SESSION_DAYS, name=name.strip() or None
        )
    except HarborError as err:
        context = {**_login_context(node, next_path), "name": name}
        page = render(request, "auth/login.html", context, status_code=err.status, error=err)
        page.headers.update(err.headers)
        return page
    response = redirect_to(request, local_path(next_path) or "/")
    set_session_cookie(request, response, created.token)
    return response


@router.post("/logout", openapi_extra=operator_role("viewer"))
def sign_out(request: Request, node: NodeDep) -> RedirectResponse:
    """End the session: its token is revoked on the node, not just forgotten by the browser."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        login.sign_out(node.store, token)
    response = redirect_to(request, "/login", "You are signed out.", "info")
    clear_session_cookie(request, response)
    return response
