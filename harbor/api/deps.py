"""Annotated dependencies shared by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from harbor.errors import Unauthorized
from harbor.node import Node
from harbor.runtime.audit import Actor
from harbor.runtime.identity import Principal


def get_node(request: Request) -> Node:
    """The node this app serves."""
    node: Node = request.app.state.node
    return node


def get_principal(request: Request) -> Principal:
    """The authenticated caller (set by the app-wide access check)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthorized("missing credential")
    return principal


def get_optional_principal(request: Request) -> Principal | None:
    """The caller on a public route, when a valid credential was sent."""
    return getattr(request.state, "principal", None)


def get_actor(request: Request) -> Actor:
    """The audit actor for the caller of this request."""
    return Actor.of(getattr(request.state, "principal", None))


NodeDep = Annotated[Node, Depends(get_node)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]
ActorDep = Annotated[Actor, Depends(get_actor)]

#: A database row id in a path: bounded so huge numbers are a 422, not a driver overflow.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
