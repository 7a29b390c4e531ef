"""Team operators: accounts with roles, invitations, and who approved a call."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from harbor_client.models import TOKEN_NAME_PATTERN, Model

#: Operator names: lower case, like agent names, so the audit log reads the same everywhere.
OPERATOR_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
OperatorRole = Literal["owner", "approver", "viewer"]
OperatorStatus = Literal["active", "disabled", "needs_licence"]


class OperatorPublic(Model):
    """An operator account as listed: never its password or tokens."""

    name: str
    role: OperatorRole
    status: OperatorStatus = Field(
        description="needs_licence: a team member who cannot sign in until the node is "
        "licensed for the 'team' feature again"
    )
    created_at: datetime
    disabled_at: datetime | None = None


class OperatorUpdate(Model):
    """Change an operator's role, or disable or enable the account (owner only)."""

    role: OperatorRole | None = None
    disabled: bool | None = None


class InvitationCreate(Model):
    """Invite a new operator with a role; the link works once, until it expires."""

    role: OperatorRole = "approver"
    expires_in_hours: int = Field(72, ge=1, le=24 * 30)


class InvitationPublic(Model):
    """An invitation as listed: never its token."""

    id: int
    role: OperatorRole
    created_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: str | None = None


class InvitationCreated(InvitationPublic):
    """A new invitation: ``token`` and ``url`` are shown this once."""

    token: str
    url: str | None = Field(
        None, description="The link to send, when the node knows its public URL"
    )


class InvitationAccept(Model):
    """Accept an invitation: choose a name and password, receive an operator token."""

    token: str = Field(min_length=1, max_length=200)
    name: str = Field(pattern=OPERATOR_NAME_PATTERN)
    password: str = Field(min_length=12, max_length=1024)
    token_name: str = Field("login", pattern=TOKEN_NAME_PATTERN)


class ApprovalVotePublic(Model):
    """One operator's approval of a call that needs several."""

    operator: str
    note: str = ""
    created_at: datetime


__all__ = [
    "OPERATOR_NAME_PATTERN", "ApprovalVotePublic", "InvitationAccept", "InvitationCreate",
    "InvitationCreated", "InvitationPublic", "OperatorPublic", "OperatorRole", "OperatorStatus",
    "OperatorUpdate",
]  # fmt: skip
