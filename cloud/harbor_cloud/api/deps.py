"""Shared API dependencies: the cloud, the signed-in account, the admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from harbor_cloud.accounts import account_for_session
from harbor_cloud.audit import Actor
from harbor_cloud.context import Cloud
from harbor_cloud.errors import Forbidden, Unauthorized
from harbor_cloud.store.models import Account


def get_cloud(request: Request) -> Cloud:
    """The cloud this app serves."""
    cloud: Cloud = request.app.state.cloud
    return cloud


CloudDep = Annotated[Cloud, Depends(get_cloud)]


@dataclass(frozen=True)
class Caller:
    """The account behind an API request and the session token it used."""

    account: Account
    token: str

    @property
    def actor(self) -> Actor:
        """Who the audit log records."""
        return Actor(self.account.id, self.account.role)


def bearer_token(request: Request) -> str:
    """The ``Authorization: Bearer`` token, or Unauthorized."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("sign in first: send 'Authorization: Bearer <session token>'")
    return token.strip()


def get_caller(request: Request, cloud: CloudDep) -> Caller:
    """The signed-in account (bearer session token), or Unauthorized."""
    token = bearer_token(request)
    with cloud.store.session() as session:
        account = account_for_session(session, token)
    if account is None:
        raise Unauthorized("the session is unknown or expired; sign in again")
    return Caller(account=account, token=token)


def get_admin(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    """The signed-in account if it is an admin, else Forbidden."""
    if caller.account.role != "admin":
        raise Forbidden("this needs an admin account")
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
AdminDep = Annotated[Caller, Depends(get_admin)]
