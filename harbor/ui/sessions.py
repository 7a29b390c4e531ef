"""Console sessions and CSRF tokens.

A console session is an operator token (``hbo_``) named ``web session`` that lives in an
HttpOnly cookie. Sessions are therefore server-side and revocable with no table of their
own: signing out revokes the token, the operator can revoke any session from the token list,
and a session ends by itself when its token expires.

Every form carries a CSRF token bound to the browser: an HMAC, under a key derived from the
node's secret key, of the session cookie (or, before sign-in, of a random pre-session
cookie). A cross-site page can neither read that cookie nor compute the HMAC, so it cannot
forge a form post; every unsafe request to a console route is checked (:func:`verify_csrf`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Depends, Request, Response

from harbor.api.access import check_operator
from harbor.errors import Forbidden, HarborError, Unauthorized
from harbor.node import Node
from harbor.runtime import setup
from harbor.runtime.audit import Actor
from harbor.runtime.identity import OPERATOR_TOKEN_PREFIX, Principal, authenticate

SESSION_COOKIE = "harbor_session"
PRESESSION_COOKIE = "harbor_presession"
SESSION_TOKEN_NAME = "web session"
SESSION_DAYS = 1
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CSRF_INFO = b"harbor/ui/csrf/v1"


class LoginRequired(HarborError):
    """No valid console session: the browser is sent to the sign-in page."""

    code = "unauthorized"


class SetupRequired(HarborError):
    """No operator exists yet: the browser is sent to the first-run page."""

    code = "unauthorized"


@dataclass(frozen=True)
class OperatorSession:
    """The signed-in operator of one console request."""

    token: str
    principal: Principal

    @property
    def actor(self) -> Actor:
        """Who the audit log records for what this session does."""
        return Actor.of(self.principal)

    @property
    def role(self) -> str:
        """The operator's role: owner, approver or viewer."""
        return self.principal.operator_role or "owner"


def get_node(request: Request) -> Node:
    """The node this app serves."""
    node: Node = request.app.state.node
    return node


def is_https(request: Request) -> bool:
    """Whether the browser reached the node over HTTPS (cookies are then ``Secure``)."""
    return request.url.scheme == "https"


# --- the session cookie -------------------------------------------------------------------


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Start a console session in the browser."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """End the console session in the browser."""
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=is_https(request), path="/"
    )


def _session_from_cookie(node: Node, token: str) -> OperatorSession | None:
    """The operator session of a cookie value; None when it is not a live operator token."""
    if not token.startswith(OPERATOR_TOKEN_PREFIX):
        return None
    try:
        with node.store.read_session() as session:
            principal = authenticate(session, token)
    except Unauthorized:
        return None
    return OperatorSession(token=token, principal=principal) if principal.is_operator else None


def optional_operator(request: Request) -> OperatorSession | None:
    """The signed-in operator, or None (pages reachable either way)."""
    if hasattr(request.state, "ui_session"):  # looked up once per request
        cached: OperatorSession | None = request.state.ui_session
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    found = _session_from_cookie(get_node(request), token) if token else None
    request.state.ui_session = found
    return found


def require_operator(request: Request) -> OperatorSession:
    """The signed-in operator; otherwise the browser goes to first-run setup or sign-in."""
    found = optional_operator(request)
    if found is not None:
        # The same licence and role checks as the API's (harbor.api.access).
        check_operator(request, found.principal)
        return found
    with get_node(request).store.read_session() as session:
        if setup.needs_setup(session):
            raise SetupRequired("finish the first-run setup first")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise LoginRequired(
        "sign in to continue" if request.cookies.get(SESSION_COOKIE) is None else "session ended",
        extra={"next": target},
    )


def login_url(next_path: str | None) -> str:
    """The sign-in page, coming back to ``next_path`` (a local path only) afterwards."""
    local = local_path(next_path)
    return f"/login?next={quote(local, safe='/')}" if local else "/login"


def local_path(next_path: str | None) -> str | None:
    """``next_path`` if it is a path on this node, else None (never an open redirect)."""
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return None
    return None if "\\" in next_path else next_path


def safe_next(next_path: str | None) -> bool:
    """Whether ``next_path`` is a path on this node (see :func:`local_path`)."""
    return local_path(next_path) is not None


# --- CSRF ------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _derive_csrf_key(secret_key_b64: str) -> bytes:
    raw = base64.urlsafe_b64decode(secret_key_b64 + "=" * (-len(secret_key_b64) % 4))
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CSRF_INFO).derive(raw)


def _binding(request: Request) -> str:
    """What the CSRF token is bound to: the session cookie, else the pre-session cookie."""
    value = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)
    if value:
        return value
    fresh: str | None = getattr(request.state, "new_presession", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.new_presession = fresh  # set as a cookie by the page's response
    return fresh


def csrf_token(request: Request) -> str:
    """The CSRF token every form of this browser carries."""
    key = _derive_csrf_key(get_node(request).secret_box().key_b64)
    return hmac.new(key, _binding(request).encode(), hashlib.sha256).hexdigest()


def remember_presession(request: Request, response: Response) -> None:
    """Set the pre-session cookie a freshly rendered form's token is bound to."""
    fresh: str | None = getattr(request.state, "new_presession", None)
    if fresh is not None:
        response.set_cookie(
            PRESESSION_COOKIE,
            fresh,
            httponly=True,
            samesite="lax",
            secure=is_https(request),
            path="/",
        )


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token is missing or wrong (403)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()  # Starlette keeps it: the page still reads its fields
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    has_binding = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)
    if not sent or not has_binding or not hmac.compare_digest(sent, csrf_token(request)):
        raise Forbidden(
            "this form did not come from this Harbor console, or it is out of date; "
            "reload the page and try again"
        )


NodeDep = Annotated[Node, Depends(get_node)]
OperatorDep = Annotated[OperatorSession, Depends(require_operator)]
OptionalOperatorDep = Annotated[OperatorSession | None, Depends(optional_operator)]
