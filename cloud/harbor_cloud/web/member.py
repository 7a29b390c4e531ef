"""The member area: sign up, sign in and out, password change and reset, plan and features,
nodes and enrollment codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from harbor_cloud import accounts, enrollment, nodes
from harbor_cloud.api.deps import CloudDep
from harbor_cloud.context import Cloud
from harbor_cloud.errors import CloudError
from harbor_cloud.plans import FEATURES, PLAN_TITLES, PLANS
from harbor_cloud.web.rendering import render
from harbor_cloud.web.sessions import (
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    Member,
    MemberDep,
    OptionalMemberDep,
    set_cookie,
    verify_csrf,
)

router = APIRouter(include_in_schema=False)
FormStr = Annotated[str, Form()]


def see_other(path: str) -> RedirectResponse:
    """Redirect a form post to a page (POST/redirect/GET)."""
    return RedirectResponse(path, status_code=303)


@router.get("/")
def home(member: OptionalMemberDep) -> Response:
    """The member area when signed in, else the sign-in page."""
    return see_other("/account" if member else "/signin")


# --- sign up, in and out ----------------------------------------------------------------


@router.get("/signup")
def signup_page(request: Request) -> Response:
    """The sign-up form."""
    return render(request, "signup.html")


@router.post("/signup")
def signup(
    request: Request, cloud: CloudDep, email: FormStr, password: FormStr, csrf_token: FormStr
) -> Response:
    """Create the account and sign it in."""
    verify_csrf(request, csrf_token)
    try:
        with cloud.store.session() as session:
            account = accounts.create_account(session, email, password)
            token = accounts.start_session(session, cloud.settings, account)
    except CloudError as err:
        return render(request, "signup.html", error=err.detail, email=email, status_code=err.status)
    return _signed_in(request, cloud, token)


def _signed_in(request: Request, cloud: Cloud, token: str) -> Response:
    response = see_other("/account")
    set_cookie(request, response, SESSION_COOKIE, token, cloud.settings.session_hours * 3600)
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.get("/signin")
def signin_page(request: Request) -> Response:
    """The sign-in form."""
    return render(request, "signin.html")


@router.post("/signin")
def signin(
    request: Request, cloud: CloudDep, email: FormStr, password: FormStr, csrf_token: FormStr
) -> Response:
    """Sign in (throttled like the API)."""
    verify_csrf(request, csrf_token)
    try:
        signed_in = accounts.sign_in_or_count(cloud.store, cloud.settings, email, password)
    except CloudError as err:
        response = render(
            request, "signin.html", error=err.detail, email=email, status_code=err.status
        )
        response.headers.update(err.headers)
        return response
    return _signed_in(request, cloud, signed_in.token)


@router.post("/signout")
def signout(request: Request, cloud: CloudDep, member: MemberDep, csrf_token: FormStr) -> Response:
    """End the session."""
    verify_csrf(request, csrf_token)
    with cloud.store.session() as session:
        accounts.end_session(session, member.token)
    response = see_other("/signin")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- the account page ---------------------------------------------------------------------


def account_page(
    request: Request, cloud: Cloud, member: Member, status_code: int = 200, **extra: object
) -> Response:
    """The member's plan, features, nodes and the enrollment code form."""
    with cloud.store.session() as session:
        public = accounts.account_public(session, member.account)
        own = [nodes.node_public(n) for n in nodes.nodes_of(session, member.account.id)]
    return render(
        request,
        "account.html",
        member,
        status_code=status_code,
        account=public,
        nodes=own,
        features=FEATURES,
        plan_features=sorted(PLANS.get(member.account.plan, ())),
        plan_titles=PLAN_TITLES,
        code_minutes=cloud.settings.enrollment_code_minutes,
        **extra,
    )


@router.get("/account")
def account(request: Request, cloud: CloudDep, member: MemberDep) -> Response:
    """The member area's main page."""
    return account_page(request, cloud, member)


@router.post("/account/enrollment-codes")
def create_code(
    request: Request, cloud: CloudDep, member: MemberDep, csrf_token: FormStr
) -> Response:
    """A new enrollment code, shown once on the page with the enroll command."""
    verify_csrf(request, csrf_token)
    with cloud.store.session() as session:
        new = enrollment.create_code(
            session, member.account, cloud.settings.enrollment_code_minutes
        )
    base = cloud.settings.base_url(str(request.base_url))
    command = f"harbor cloud enroll --url {base} --code {new.code}"
    return account_page(request, cloud, member, new_code=new, enroll_command=command)


@router.post("/account/nodes/{node_id}/unenroll")
def unenroll_node(
    node_id: str, request: Request, cloud: CloudDep, member: MemberDep, csrf_token: FormStr
) -> Response:
    """Unenroll one of the member's nodes."""
    verify_csrf(request, csrf_token)
    try:
        with cloud.store.session() as session:
            node = nodes.member_node(session, member.account, node_id)
            nodes.unenroll(session, member.actor, node)
    except CloudError as err:
        return account_page(request, cloud, member, status_code=err.status, error=err.detail)
    return see_other("/account")


# --- passwords ----------------------------------------------------------------------------


@router.get("/account/password")
def password_page(request: Request, member: MemberDep) -> Response:
    """The change-password form."""
    return render(request, "password.html", member)


@router.post("/account/password")
def change_password(
    request: Request,
    cloud: CloudDep,
    member: MemberDep,
    current_password: FormStr,
    new_password: FormStr,
    csrf_token: FormStr,
) -> Response:
    """Change the password; other sessions end."""
    verify_csrf(request, csrf_token)
    try:
        with cloud.store.session() as session:
            accounts.change_password(
                session, member.account, current_password, new_password, member.token
            )
    except CloudError as err:
        return render(request, "password.html", member, error=err.detail, status_code=err.status)
    return render(request, "password.html", member, notice="Your password was changed.")


@router.get("/forgot")
def forgot_page(request: Request) -> Response:
    """The ask-for-a-reset-link form."""
    return render(request, "forgot.html")


@router.post("/forgot")
def forgot(request: Request, cloud: CloudDep, email: FormStr, csrf_token: FormStr) -> Response:
    """Send a reset link to the outbox (the same answer whether the account exists)."""
    verify_csrf(request, csrf_token)
    base = cloud.settings.base_url(str(request.base_url))
    with cloud.store.session() as session:
        accounts.request_password_reset(session, cloud.settings, email, base)
    notice = "If an account uses this email, a reset link is on its way."
    return render(request, "forgot.html", notice=notice)


@router.get("/reset")
def reset_page(request: Request, token: str = "") -> Response:
    """The choose-a-new-password form of a reset link."""
    return render(request, "reset.html", token=token)


@router.post("/reset")
def reset(
    request: Request, cloud: CloudDep, token: FormStr, password: FormStr, csrf_token: FormStr
) -> Response:
    """Use the reset token once and set the new password."""
    verify_csrf(request, csrf_token)
    try:
        with cloud.store.session() as session:
            accounts.reset_password(session, token, password)
    except CloudError as err:
        return render(request, "reset.html", token=token, error=err.detail, status_code=err.status)
    return render(request, "signin.html", notice="Your password was reset; sign in with it.")
