"""Team operators over any Harbor client (``HarborClient`` or ``AsyncHarborClient``'s sync
twin): list the team, invite, change roles, disable, remove. Owner only, except listing."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from harbor_client.operator_models import (
    InvitationCreate,
    InvitationCreated,
    InvitationPublic,
    OperatorPublic,
    OperatorRole,
    OperatorUpdate,
)


class _Requests(Protocol):
    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...


def list_operators(client: _Requests) -> list[OperatorPublic]:
    """Every operator with role and status, the owner first."""
    response = client.request("GET", "/api/v1/operators")
    return [OperatorPublic.model_validate(item) for item in response.json()]


def invite_operator(
    client: _Requests, role: OperatorRole, expires_in_hours: int = 72
) -> InvitationCreated:
    """A one-time invitation; its token (and link, when the node knows its URL) shown once."""
    body = InvitationCreate(role=role, expires_in_hours=expires_in_hours)
    response = client.request("POST", "/api/v1/operators/invitations", json=body.model_dump())
    return InvitationCreated.model_validate(response.json())


def list_invitations(client: _Requests) -> list[InvitationPublic]:
    """Every invitation, newest first (never their tokens)."""
    response = client.request("GET", "/api/v1/operators/invitations")
    return [InvitationPublic.model_validate(item) for item in response.json()]


def revoke_invitation(client: _Requests, invitation_id: int) -> None:
    """Withdraw an unused invitation."""
    client.request("DELETE", f"/api/v1/operators/invitations/{invitation_id}")


def update_operator(client: _Requests, name: str, update: OperatorUpdate) -> OperatorPublic:
    """Change an operator's role, or disable or enable the account."""
    body = update.model_dump(exclude_none=True)
    response = client.request("PATCH", f"/api/v1/operators/{name}", json=body)
    return OperatorPublic.model_validate(response.json())


def remove_operator(client: _Requests, name: str) -> None:
    """Remove an operator account and its tokens."""
    client.request("DELETE", f"/api/v1/operators/{name}")
