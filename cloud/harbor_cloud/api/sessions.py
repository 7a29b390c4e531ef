"""Sessions: sign in (throttled) and sign out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from harbor_cloud import accounts
from harbor_cloud.api.deps import CallerDep, CloudDep

router = APIRouter(tags=["sessions"])


class SessionCreate(BaseModel):
    """A sign-in."""

    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


@router.post("/sessions", status_code=201)
def sign_in(body: SessionCreate, cloud: CloudDep) -> dict[str, Any]:
    """A session token for ``Authorization: Bearer``; failures count towards the throttle."""
    signed_in = accounts.sign_in_or_count(cloud.store, cloud.settings, body.email, body.password)
    with cloud.store.session() as session:
        return {
            "token": signed_in.token,
            "account": accounts.account_public(session, signed_in.account),
        }


@router.delete("/sessions/current", status_code=204)
def sign_out(caller: CallerDep, cloud: CloudDep) -> Response:
    """End the session whose token made this call."""
    with cloud.store.session() as session:
        accounts.end_session(session, caller.token)
    return Response(status_code=204)
