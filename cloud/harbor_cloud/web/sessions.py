"""Web sessions and CSRF for the member and admin areas.

The session cookie holds a session token (the same kind the API takes as a bearer token),
HttpOnly and SameSite=Lax. Every form carries a CSRF token: an HMAC, under the cloud's
secret, of the session cookie (or, before sign-in, of a random pre-session cookie). A
cross-site page can neither read that cookie nor compute the HMAC, so every unsafe form
POST is checked with :func:`verify_csrf`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from harbor_cloud.accounts import account_for_session
from harbor_cloud.api.deps import CloudDep, get_cloud
from harbor_cloud.audit import Actor
from harbor_cloud.errors import CloudError, Forbidden
from harbor_cloud.store.models import Account

SESSION_COOKIE = "harbor_cloud_session"
PRESESSION_COOKIE = "harbor_cloud_presession"
CSRF_FIELD = "csrf_token"


class SignInRequired(CloudError):
    """No valid web session: the browser is sent to the sign-in page."""

    code, status, title = "unauthorized", 401, "Sign in required"


class CsrfFailed(CloudError):
    """A form post without the right CSRF token."""

    code, status, title = "forbidden", 403, "Form expired"


@dataclass(frozen=True)
class Member:
    """The signed-in account of one web request and its session token."""

    account: Account
    token: str

    @property
    def actor(self) -> Actor:
        """Who the audit log records."""
        return Actor(self.account.id, self.account.role)

    @property
    def is_admin(self) -> bool:
        """Whether the admin area is open to this account."""
        return self.account.role == "admin"


def _csrf_basis(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this request's page (sets up a pre-session if needed)."""
    basis = _csrf_basis(request) or getattr(request.state, "new_presession", None)
    if basis is None:
        basis = secrets.token_urlsafe(24)
        request.state.new_presession = basis
    secret: bytes = get_cloud(request).secret
    return hmac.new(secret, basis.encode(), hashlib.sha256).hexdigest()


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """Set an HttpOnly, SameSite=Lax cookie (Secure when the browser came over HTTPS)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def finish_presession(request: Request, response: Response) -> Response:
    """Send the pre-session cookie a page's CSRF token was computed from, if new."""
    new = getattr(request.state, "new_presession", None)
    if new is not None:
        set_cookie(request, response, PRESESSION_COOKIE, new, max_age=24 * 3600)
    return response


def verify_csrf(request: Request, token: str) -> None:
    """Refuse an unsafe form post whose CSRF token does not match this browser's."""
    basis = _csrf_basis(request)
    if basis is None:
        raise CsrfFailed("the form expired; reload the page and try again")
    expected = hmac.new(get_cloud(request).secret, basis.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, token):
        raise CsrfFailed("the form expired; reload the page and try again")


def optional_member(request: Request, cloud: CloudDep) -> Member | None:
    """The signed-in member of this browser, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with cloud.store.session() as session:
        account = account_for_session(session, token)
    return Member(account=account, token=token) if account is not None else None


def require_member(
    member: Annotated[Member | None, Depends(optional_member)],
) -> Member:
    """The signed-in member, else the browser goes to the sign-in page."""
    if member is None:
        raise SignInRequired("sign in to continue")
    return member


def require_admin(member: Annotated[Member, Depends(require_member)]) -> Member:
    """The signed-in admin, else 403."""
    if not member.is_admin:
        raise Forbidden("the admin area is for admin accounts")
    return member


MemberDep = Annotated[Member, Depends(require_member)]
OptionalMemberDep = Annotated[Member | None, Depends(optional_member)]
AdminMemberDep = Annotated[Member, Depends(require_admin)]
