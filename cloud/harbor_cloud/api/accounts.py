"""Accounts: sign up, the signed-in account, password change and reset."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from harbor_cloud import accounts
from harbor_cloud.api.deps import CallerDep, CloudDep

router = APIRouter(tags=["accounts"])


class AccountCreate(BaseModel):
    """A sign-up."""

    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class PasswordChange(BaseModel):
    """A password change by the signed-in member."""

    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class ResetRequest(BaseModel):
    """A request for a reset link (delivered to the outbox)."""

    email: str = Field(max_length=320)


class ResetConfirm(BaseModel):
    """A new password with the one-time reset token."""

    token: str = Field(max_length=200)
    password: str = Field(max_length=1024)


@router.post("/accounts", status_code=201)
def sign_up(body: AccountCreate, cloud: CloudDep) -> dict[str, Any]:
    """Create a member account on the community plan."""
    with cloud.store.session() as session:
        account = accounts.create_account(session, body.email, body.password)
        return accounts.account_public(session, account)


@router.get("/account")
def read_account(caller: CallerDep, cloud: CloudDep) -> dict[str, Any]:
    """The signed-in account with its plan and effective features."""
    with cloud.store.session() as session:
        return accounts.account_public(session, caller.account)


@router.post("/account/password", status_code=204)
def change_password(body: PasswordChange, caller: CallerDep, cloud: CloudDep) -> Response:
    """Change the password; every other session of the account ends."""
    with cloud.store.session() as session:
        accounts.change_password(
            session, caller.account, body.current_password, body.new_password, caller.token
        )
    return Response(status_code=204)


@router.post("/password-resets", status_code=202)
def request_reset(body: ResetRequest, request: Request, cloud: CloudDep) -> dict[str, str]:
    """Send a one-time reset link to the outbox (the same answer for unknown emails)."""
    base = cloud.settings.base_url(str(request.base_url))
    with cloud.store.session() as session:
        accounts.request_password_reset(session, cloud.settings, body.email, base)
    return {"status": "if the account exists, a reset link was sent"}


@router.post("/password-resets/confirm", status_code=204)
def confirm_reset(body: ResetConfirm, cloud: CloudDep) -> Response:
    """Use a reset token once to set a new password."""
    with cloud.store.session() as session:
        accounts.reset_password(session, body.token, body.password)
    return Response(status_code=204)
