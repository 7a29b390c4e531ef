"""The admin area under /admin: account lookup and detail, plan and feature changes, the
outbox and the audit log. Open only to admin accounts (members get 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from harbor_cloud import accounts, audit
from harbor_cloud.api.admin import AccountUpdate, account_detail, account_or_404, update_account
from harbor_cloud.api.deps import CloudDep
from harbor_cloud.context import Cloud
from harbor_cloud.errors import CloudError
from harbor_cloud.plans import FEATURES, PLAN_TITLES
from harbor_cloud.web.rendering import render
from harbor_cloud.web.sessions import AdminMemberDep, Member, verify_csrf

router = APIRouter(prefix="/admin", include_in_schema=False)
FormStr = Annotated[str, Form()]


@router.get("")
def lookup(request: Request, cloud: CloudDep, admin: AdminMemberDep, email: str = "") -> Response:
    """Find accounts by email."""
    found: list[dict[str, object]] = []
    if email.strip():
        with cloud.store.session() as session:
            found = [
                accounts.account_public(session, a) for a in accounts.find_accounts(session, email)
            ]
    return render(
        request, "admin/lookup.html", admin, email=email, found=found, searched=bool(email.strip())
    )


def detail_page(
    request: Request,
    cloud: Cloud,
    admin: Member,
    account_id: str,
    status_code: int = 200,
    **extra: object,
) -> Response:
    """One account: plan, features, overrides, nodes, codes, licenses and its audit trail."""
    with cloud.store.session() as session:
        detail = account_detail(session, account_or_404(session, account_id))
        events = [audit.event_public(e) for e in audit.recent_events(session, 50, account_id)]
    return render(
        request,
        "admin/account.html",
        admin,
        status_code=status_code,
        account=detail,
        events=events,
        features=FEATURES,
        plan_titles=PLAN_TITLES,
        **extra,
    )


@router.get("/accounts/{account_id}")
def account(account_id: str, request: Request, cloud: CloudDep, admin: AdminMemberDep) -> Response:
    """The account detail page."""
    return detail_page(request, cloud, admin, account_id)


def _apply(
    request: Request, cloud: Cloud, admin: Member, account_id: str, change: AccountUpdate
) -> Response:
    try:
        with cloud.store.session() as session:
            update_account(session, admin.actor, account_or_404(session, account_id), change)
    except CloudError as err:
        return detail_page(request, cloud, admin, account_id, err.status, error=err.detail)
    return RedirectResponse(f"/admin/accounts/{account_id}", status_code=303)


@router.post("/accounts/{account_id}/plan")
def change_plan(
    account_id: str,
    request: Request,
    cloud: CloudDep,
    admin: AdminMemberDep,
    plan: FormStr,
    csrf_token: FormStr,
) -> Response:
    """Move the account to another plan."""
    verify_csrf(request, csrf_token)
    return _apply(request, cloud, admin, account_id, AccountUpdate(plan=plan))


@router.post("/accounts/{account_id}/features")
def change_feature(
    account_id: str,
    request: Request,
    cloud: CloudDep,
    admin: AdminMemberDep,
    feature: FormStr,
    action: FormStr,
    csrf_token: FormStr,
) -> Response:
    """Grant or revoke one feature on top of the plan."""
    verify_csrf(request, csrf_token)
    change = (
        AccountUpdate(grant=[feature]) if action == "grant" else AccountUpdate(revoke=[feature])
    )
    return _apply(request, cloud, admin, account_id, change)


@router.get("/outbox")
def outbox(request: Request, cloud: CloudDep, admin: AdminMemberDep) -> Response:
    """What the cloud would have mailed (reset links), newest first."""
    with cloud.store.session() as session:
        messages = accounts.outbox(session)
    return render(request, "admin/outbox.html", admin, messages=messages)


@router.get("/audit")
def audit_log(request: Request, cloud: CloudDep, admin: AdminMemberDep) -> Response:
    """The cloud's audit log, newest first."""
    with cloud.store.session() as session:
        events = [audit.event_public(e) for e in audit.recent_events(session)]
    return render(request, "admin/audit.html", admin, events=events)
