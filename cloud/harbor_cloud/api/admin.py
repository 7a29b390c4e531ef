"""The admin API: account lookup and detail, plan and feature changes, the audit log.

Every write is audited with the admin's id; a member gets 403 ``forbidden``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import Session

from harbor_cloud import accounts, audit, enrollment, nodes, plans
from harbor_cloud.api.deps import AdminDep, CloudDep
from harbor_cloud.audit import Actor
from harbor_cloud.errors import NotFound
from harbor_cloud.store.engine import iso
from harbor_cloud.store.models import Account

router = APIRouter(prefix="/admin", tags=["admin"])


class AccountUpdate(BaseModel):
    """An admin's change to an account: a new plan, features granted or revoked."""

    plan: str | None = None
    grant: list[str] = Field(default_factory=list, max_length=20)
    revoke: list[str] = Field(default_factory=list, max_length=20)


def account_or_404(session: Session, account_id: str) -> Account:
    """The account, or NotFound."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account {account_id}")
    return account


def account_detail(session: Session, account: Account) -> dict[str, Any]:
    """The account with its overrides, nodes, enrollment codes and issued licenses."""
    return {
        **accounts.account_public(session, account),
        "overrides": plans.overrides_of(session, account.id),
        "nodes": [nodes.node_public(n) for n in nodes.nodes_of(session, account.id)],
        "enrollment_codes": [
            enrollment.code_public(c) for c in enrollment.codes_of(session, account.id)
        ],
        "licenses": nodes.licenses_of(session, account.id),
    }


def update_account(session: Session, admin: Actor, account: Account, change: AccountUpdate) -> None:
    """Apply a plan change and feature grants/revocations (each audited)."""
    for feature in [*change.grant, *change.revoke]:
        plans.check_feature(feature)
    if change.plan is not None:
        plans.change_plan(session, admin, account, change.plan)
    for feature in change.grant:
        plans.set_feature(session, admin, account, feature, granted=True)
    for feature in change.revoke:
        plans.set_feature(session, admin, account, feature, granted=False)


@router.get("/accounts")
def find_accounts(admin: AdminDep, cloud: CloudDep, email: str = "") -> dict[str, Any]:
    """Accounts whose email contains ``email``."""
    with cloud.store.session() as session:
        found = accounts.find_accounts(session, email)
        return {"accounts": [accounts.account_public(session, a) for a in found]}


@router.get("/accounts/{account_id}")
def read_account(account_id: str, admin: AdminDep, cloud: CloudDep) -> dict[str, Any]:
    """One account with its license and enrollment state."""
    with cloud.store.session() as session:
        return account_detail(session, account_or_404(session, account_id))


@router.patch("/accounts/{account_id}")
def patch_account(
    account_id: str, change: AccountUpdate, admin: AdminDep, cloud: CloudDep
) -> dict[str, Any]:
    """Change the plan and grant or revoke features; audited with the admin's id."""
    with cloud.store.session() as session:
        account = account_or_404(session, account_id)
        update_account(session, admin.actor, account, change)
        session.flush()
        return account_detail(session, account)


@router.get("/audit")
def read_audit(admin: AdminDep, cloud: CloudDep, limit: int = 200) -> dict[str, Any]:
    """The newest audit events first."""
    with cloud.store.session() as session:
        events = audit.recent_events(session, min(max(limit, 1), 1000))
        return {"events": [audit.event_public(e) for e in events]}


@router.get("/outbox")
def read_outbox(admin: AdminDep, cloud: CloudDep) -> dict[str, Any]:
    """The messages the cloud would have mailed, newest first."""
    with cloud.store.session() as session:
        messages = accounts.outbox(session)
    return {
        "messages": [
            {
                "id": m.id,
                "recipient": m.recipient,
                "subject": m.subject,
                "body": m.body,
                "created_at": iso(m.created_at),
            }
            for m in messages
        ]
    }
