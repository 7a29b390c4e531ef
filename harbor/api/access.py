"""The single place where the operator/agent split is enforced.

Every route under the node is operator-only unless it declares otherwise with
``openapi_extra=agent_access()`` (both roles) or ``openapi_extra=public_access()`` (no
credential). New routes are therefore closed to agents by default. The web console's pages
declare ``ui_access()``: they take no bearer credential, and the console's own session check
(``harbor.ui.sessions``) decides who may see them.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import Request
from starlette.routing import BaseRoute

from harbor.errors import Forbidden, Unauthorized
from harbor.runtime.identity import Principal, authenticate, mark_used

Access = Literal["public", "agent", "operator", "ui"]
ACCESS_KEY = "x-harbor-access"
log = logging.getLogger("harbor.api")


def public_access() -> dict[str, Any]:
    """Mark a route as reachable without a credential."""
    return {ACCESS_KEY: "public"}


def agent_access() -> dict[str, Any]:
    """Mark a route as reachable by agent keys as well as the operator."""
    return {ACCESS_KEY: "agent"}


def ui_access() -> dict[str, Any]:
    """Mark a web console page: no bearer credential, the console's session check applies."""
    return {ACCESS_KEY: "ui"}


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
    request.state.principal = principal


def _try_authenticate(request: Request, credential: str) -> Principal | None:
    try:
        with request.app.state.node.store.session() as session:
            return authenticate(session, credential)
    except Exception:
        log.debug("ignored a bad credential on a public route")
        return None
