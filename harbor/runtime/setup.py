"""First run: the operator password from HARBOR_ADMIN_PASSWORD or a one-time setup token."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session

from harbor.contracts import TokenCreated
from harbor.errors import Conflict, Unauthorized
from harbor.runtime import identity
from harbor.runtime.audit import record_change
from harbor.runtime.state import delete_state, read_state, write_state
from harbor.store.types import utcnow

SETUP_TOKEN_KEY = "setup_token"
SETUP_TOKEN_TTL = timedelta(hours=24)


def needs_setup(session: Session) -> bool:
    """Whether no operator exists yet."""
    return identity.get_operator(session) is None


def issue_setup_token(session: Session) -> str:
    """A fresh one-time setup token (replacing any earlier one); only its hash is stored."""
    token = "hbs_" + secrets.token_urlsafe(24)
    expires = utcnow() + SETUP_TOKEN_TTL
    write_state(
        session,
        SETUP_TOKEN_KEY,
        {"hash": identity.hash_secret(token), "expires_at": expires.isoformat()},
    )
    return token


def has_setup_token(session: Session) -> bool:
    """Whether a setup token is waiting to be used."""
    return read_state(session, SETUP_TOKEN_KEY) is not None


def bootstrap_operator(session: Session, admin_password: str | None) -> str | None:
    """Prepare a node with no operator.

    With ``admin_password`` (from HARBOR_ADMIN_PASSWORD) the operator is created; otherwise
    a setup token is issued and returned for printing. Returns None when nothing is needed.
    """
    if not needs_setup(session):
        return None
    if admin_password:
        identity.create_operator(session, admin_password)
        delete_state(session, SETUP_TOKEN_KEY)
        return None
    return issue_setup_token(session)


def complete_setup(
    session: Session,
    setup_token: str,
    password: str,
    token_name: str = "setup",
    expires_in_days: int | None = None,
) -> TokenCreated:
    """Exchange the setup token for the operator password; returns an operator token."""
    if not needs_setup(session):
        raise Conflict("the operator is already set up; sign in instead")
    stored = read_state(session, SETUP_TOKEN_KEY)
    if not stored:
        raise Unauthorized("no setup token is active; restart the node to print a new one")
    if datetime.fromisoformat(stored["expires_at"]) <= utcnow():
        raise Unauthorized("the setup token expired; restart the node to print a new one")
    if not hmac.compare_digest(stored["hash"], identity.hash_secret(setup_token)):
        raise Unauthorized("wrong setup token; use the one the node printed at start")
    identity.create_operator(session, password)
    delete_state(session, SETUP_TOKEN_KEY)
    record_change(session, "setup.completed", "operator:owner")
    return identity.create_operator_token(session, token_name, expires_in_days)
