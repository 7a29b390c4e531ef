"""Team operators: roles, invitations and accounts — the first premium feature.

Every node has an owner. With a licence for the ``team`` feature the owner can invite more
operators, each with a role:

- ``owner``: everything;
- ``approver``: read everything, approve and deny calls (with edits), but not "approve and
  remember", which changes policy;
- ``viewer``: read only.

What a role may do is decided in one place, :func:`require_role`, which the API's access
check and the console's session check both call. Without the licence the team accounts are
kept but cannot sign in, and a rule that asks for several approvers is satisfied by the
owner's single approval, so a call never waits for people who cannot sign in.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from harbor.contracts import (
    InvitationAccept,
    InvitationCreate,
    InvitationCreated,
    InvitationPublic,
    OperatorPublic,
    OperatorUpdate,
    TokenCreated,
)
from harbor.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized
from harbor.runtime.audit import record_change
from harbor.runtime.identity import (
    Principal,
    create_operator_token,
    hash_password,
    hash_secret,
)
from harbor.store.models import Operator, OperatorInvitation
from harbor.store.types import utcnow

if TYPE_CHECKING:
    from harbor.node import Node

TEAM_FEATURE = "team"
ROLES = ("viewer", "approver", "owner")
"""From least to most: each role may do everything the ones before it may."""
INVITATION_PREFIX = "hbi_"
NEEDS_LICENCE = (
    "team operators need a Harbor Pro licence with the 'team' feature; until this node has "
    "one, only the owner can sign in"
)


def team_enabled(node: Node) -> bool:
    """Whether this node is licensed for several operators."""
    return node.license.has(TEAM_FEATURE)


def require_team(node: Node) -> None:
    """Forbidden unless the node is licensed for team operators (inviting, joining)."""
    if not team_enabled(node):
        raise Forbidden(NEEDS_LICENCE)


def require_role(principal: Principal, needed: str) -> None:
    """Forbidden unless the operator's role is at least ``needed`` (agents are not checked
    here: the operator/agent split comes first)."""
    if principal.role != "operator":
        return
    have = principal.operator_role or "owner"
    if ROLES.index(have) < ROLES.index(needed):
        raise Forbidden(
            f"this needs the {needed} role; operator '{principal.name}' is {_article(have)} {have}"
        )


def require_signed_in_allowed(node: Node, principal: Principal) -> None:
    """Unauthorized for a team member while the node has no team licence."""
    is_member = principal.role == "operator" and principal.operator_role not in (None, "owner")
    if is_member and not team_enabled(node):
        raise Unauthorized(NEEDS_LICENCE)


def locked_team_accounts(node: Node) -> int:
    """How many enabled team accounts cannot sign in for lack of a licence (0 when licensed)."""
    if team_enabled(node):
        return 0
    with node.store.read_session() as session:
        rows = session.exec(
            select(Operator.id).where(Operator.role != "owner", col(Operator.disabled_at).is_(None))
        ).all()
    return len(rows)


def _article(role: str) -> str:
    return "an" if role[0] in "aeiou" else "a"


# --- accounts -------------------------------------------------------------------------------


def operator_public(operator: Operator, licensed: bool) -> OperatorPublic:
    """The listable view of an operator."""
    if operator.disabled_at is not None:
        status = "disabled"
    elif operator.role != "owner" and not licensed:
        status = "needs_licence"
    else:
        status = "active"
    return OperatorPublic(
        name=operator.name,
        role=operator.role,
        status=status,
        created_at=operator.created_at,
        disabled_at=operator.disabled_at,
    )


def list_operators(session: Session, licensed: bool) -> list[OperatorPublic]:
    """Every operator, the owner first."""
    rows = session.exec(select(Operator).order_by(col(Operator.id))).all()
    return [operator_public(row, licensed) for row in rows]


def _get(session: Session, name: str) -> Operator:
    operator = session.exec(select(Operator).where(Operator.name == name)).first()
    if operator is None:
        raise NotFound(f"no operator named '{name}'")
    return operator


def _active_owners(session: Session) -> list[Operator]:
    return list(
        session.exec(
            select(Operator).where(Operator.role == "owner", col(Operator.disabled_at).is_(None))
        ).all()
    )


def _ensure_an_owner_remains(session: Session, operator: Operator) -> None:
    if operator.role == "owner" and len(_active_owners(session)) <= 1:
        raise Conflict(
            f"'{operator.name}' is the only active owner; make another operator an owner first"
        )


def update_operator(
    session: Session, name: str, spec: OperatorUpdate, by: Principal, licensed: bool
) -> OperatorPublic:
    """Change a role or disable/enable an account (never your own, never the last owner)."""
    operator = _get(session, name)
    if operator.name == by.name:
        raise Conflict("you cannot change your own role or disable yourself; ask another owner")
    changes: dict[str, object] = {}
    if spec.role is not None and spec.role != operator.role:
        if spec.role != "owner" and operator.disabled_at is None:
            _ensure_an_owner_remains(session, operator)
        changes["role"] = {"from": operator.role, "to": spec.role}
        operator.role = spec.role
    if spec.disabled is not None and spec.disabled != (operator.disabled_at is not None):
        if spec.disabled:
            _ensure_an_owner_remains(session, operator)
        operator.disabled_at = utcnow() if spec.disabled else None
        changes["disabled"] = spec.disabled
    if changes:
        session.add(operator)
        record_change(session, "operator.updated", f"operator:{operator.name}", details=changes)
    return operator_public(operator, licensed)


def remove_operator(session: Session, name: str, by: Principal) -> None:
    """Delete an account and its tokens (never your own, never the last owner)."""
    operator = _get(session, name)
    if operator.name == by.name:
        raise Conflict("you cannot remove yourself; ask another owner")
    if operator.disabled_at is None:
        _ensure_an_owner_remains(session, operator)
    session.delete(operator)
    record_change(session, "operator.removed", f"operator:{name}", details={"role": operator.role})


# --- invitations ----------------------------------------------------------------------------


def invitation_public(row: OperatorInvitation) -> InvitationPublic:
    """The listable view of an invitation."""
    assert row.id is not None
    return InvitationPublic(
        id=row.id,
        role=row.role,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        used_by=row.used_by,
    )


def create_invitation(
    session: Session, spec: InvitationCreate, by: Principal, public_url: str | None
) -> InvitationCreated:
    """A one-time invitation; its token (and link) are in the result and nowhere else."""
    token = INVITATION_PREFIX + secrets.token_urlsafe(32)
    row = OperatorInvitation(
        token_hash=hash_secret(token),
        role=spec.role,
        created_by=by.name,
        expires_at=utcnow() + timedelta(hours=spec.expires_in_hours),
    )
    session.add(row)
    session.flush()
    record_change(
        session,
        "operator.invited",
        f"invitation:{row.id}",
        details={"role": spec.role, "expires_at": row.expires_at.isoformat()},
    )
    url = f"{public_url.rstrip('/')}/join?token={token}" if public_url else None
    return InvitationCreated(**invitation_public(row).model_dump(), token=token, url=url)


def list_invitations(session: Session) -> list[InvitationPublic]:
    """Every invitation, newest first."""
    rows = session.exec(
        select(OperatorInvitation).order_by(col(OperatorInvitation.id).desc())
    ).all()
    return [invitation_public(row) for row in rows]


def revoke_invitation(session: Session, invitation_id: int) -> None:
    """Withdraw an unused invitation."""
    row = session.get(OperatorInvitation, invitation_id)
    if row is None:
        raise NotFound(f"no invitation with id {invitation_id}")
    if row.used_at is not None:
        raise Conflict(f"invitation {invitation_id} was already used by '{row.used_by}'")
    session.delete(row)
    record_change(session, "operator.invitation_revoked", f"invitation:{invitation_id}")


def accept_invitation(
    session: Session, spec: InvitationAccept, expires_in_days: int = 30
) -> TokenCreated:
    """Create the invited operator and sign them in; the invitation then stops working.

    The invitation is claimed with a conditional UPDATE, so two browsers racing with the
    same link create one account.
    """
    if len(spec.password) < 12:  # the model checks too; the runtime never trusts a surface
        raise InvalidRequest("the password must be at least 12 characters long")
    now = utcnow()
    row = session.exec(
        select(OperatorInvitation).where(OperatorInvitation.token_hash == hash_secret(spec.token))
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Unauthorized("this invitation is unknown, used or expired; ask for a new one")
    claimed = session.execute(
        update(OperatorInvitation)
        .where(col(OperatorInvitation.id) == row.id, col(OperatorInvitation.used_at).is_(None))
        .values(used_at=now, used_by=spec.name)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Unauthorized("this invitation was just used; ask for a new one")
    if session.exec(select(Operator).where(Operator.name == spec.name)).first() is not None:
        raise Conflict(f"an operator named '{spec.name}' exists already; choose another name")
    operator = Operator(name=spec.name, password_hash=hash_password(spec.password), role=row.role)
    session.add(operator)
    try:
        session.flush()
    except IntegrityError as err:
        raise Conflict(f"an operator named '{spec.name}' exists already") from err
    record_change(
        session,
        "operator.joined",
        f"operator:{operator.name}",
        details={"role": row.role, "invitation_id": row.id, "invited_by": row.created_by},
    )
    assert operator.id is not None
    return create_operator_token(session, spec.token_name, expires_in_days, operator_id=operator.id)
