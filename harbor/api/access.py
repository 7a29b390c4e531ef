"""The single place where the operator/agent split is enforced.

Every route under the node is operator-only unless it declares otherwise with
``openapi_extra=agent_access()`` (both roles) or ``openapi_extra=public_access()`` (no
credential). New routes are therefore closed to agents by default. The web console's pages
declare ``ui_access()``: they take no bearer credential, and the console's own session check
(``harbor.ui.sessions``) decides who may see them.

Among operators (team operators, :mod:`harbor.runtime.operators`), reading (GET, HEAD) needs
the ``viewer`` role and changing anything the ``owner`` role, unless a route names the role
it needs with ``operator_role("approver")`` (approve and deny) or ``operator_role("viewer")``
(an operator's own password and tokens). The API and the console both decide with
:func:`needed_role`, so a new route is owner-only for changes by default.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import Request
from starlette.routing import BaseRoute

from harbor.contracts import OperatorRole
from harbor.errors import Forbidden, Unauthorized
from harbor.runtime.identity import Principal, authenticate, mark_used
from harbor.runtime.operators import require_role, require_signed_in_allowed

Access = Literal["public", "agent", "operator", "ui"]
ACCESS_KEY = "x-harbor-access"
ROLE_KEY = "x-harbor-operator-role"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger("harbor.api")


def public_access() -> dict[str, Any]:
    """Mark a route as reachable without a credential."""
    return {ACCESS_KEY: "public"}


def agent_access() -> dict[str, Any]:
    """Mark a route as reachable by agent keys as well as the operator."""
    return {ACCESS_KEY: "agent"}


def ui_access(role: OperatorRole | None = None) -> dict[str, Any]:
    """Mark a web console page: no bearer credential, the console's session check applies.

    ``role``: the operator role its changes need, when not the owner's.
    """
    return {ACCESS_KEY: "ui", **({ROLE_KEY: role} if role else {})}


def operator_role(role: OperatorRole) -> dict[str, Any]:
    """Mark an operator route whose changes a ``role`` below owner may make."""
    return {ROLE_KEY: role}


def needed_role(route: BaseRoute | None, method: str) -> OperatorRole:
    """The operator role a request needs: the route's own, else viewer to read, owner to change."""
    extra = getattr(route, "openapi_extra", None) or {}
    declared = extra.get(ROLE_KEY)
    if declared in ("owner", "approver", "viewer"):
        return declared  # type: ignore[no-any-return]
    return "viewer" if method in READ_METHODS else "owner"


def check_operator(request: Request, principal: Principal) -> None:
    """The licence and role checks for an operator on this request (agents pass through)."""
    if principal.role != "operator":
        return
    require_signed_in_allowed(request.app.state.node, principal)
    require_role(principal, needed_role(request.scope.get("route"), request.method))


def route_access(route: BaseRoute | None) -> Access:
    """The access level a route declared; operator when it declared none."""
    extra = getattr(route, "openapi_extra", None) or {}
    value = extra.get(ACCESS_KEY, "operator")
    return value if value in ("public", "agent", "ui") else "operator"


def bearer_credential(request: Request) -> str | None:
    """The bearer token of the request, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authorize(request: Request) -> None:
    """App-wide dependency: authenticate the caller and check the route's access level."""
    access = route_access(request.scope.get("route"))
    credential = bearer_credential(request)
    request.state.principal = None
    if access == "ui":  # a console page: its session dependency authenticates the operator
        return
    if access == "public":
        if credential:  # public routes show more to the operator, but never fail on a bad key
            request.state.principal = _try_authenticate(request, credential)
        return
    if credential is None:
        raise Unauthorized("missing credential; send 'Authorization: Bearer <key or token>'")
    store = request.app.state.node.store
    with store.read_session() as session:
        principal = authenticate(session, credential)
    if principal.use_not_recorded:
        with store.session() as session:
            mark_used(session, principal)
    if access == "operator" and not principal.is_operator:
        raise Forbidden("this route is for the operator only; agent keys cannot use it")
    check_operator(request, principal)
    request.state.principal = principal


def _try_authenticate(request: Request, credential: str) -> Principal | None:
    try:
        with request.app.state.node.store.session() as session:
            return authenticate(session, credential)
    except Exception:
        log.debug("ignored a bad credential on a public route")
        return None
