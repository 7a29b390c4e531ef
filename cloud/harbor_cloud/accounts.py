"""Accounts: argon2 passwords, sign up, sign in (throttled), sessions, password changes and
one-time reset tokens delivered to the outbox.

Sessions and reset tokens are random values of which only a SHA-256 hash is stored: they
are high-entropy, so a fast hash is enough and a database leak yields nothing usable.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from harbor_cloud.audit import Actor, record
from harbor_cloud.errors import Conflict, InvalidRequest, RateLimited, Unauthorized
from harbor_cloud.plans import PLAN_TITLES, effective_features
from harbor_cloud.settings import CloudSettings
from harbor_cloud.store.engine import Store, iso, utcnow
from harbor_cloud.store.models import (
    Account,
    LoginAttempt,
    OutboxMessage,
    ResetToken,
    WebSession,
)

MIN_PASSWORD_LENGTH = 12
SESSION_TOKEN_PREFIX = "hcs_"
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong
# password and timing does not tell which emails have accounts.
_DUMMY_HASH = _hasher.hash("harbor-cloud-no-such-account")


def token_hash(token: str) -> str:
    """The stored form of a session token, reset token or enrollment code."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """The email as stored and compared: trimmed, lower-case, checked for a plausible shape."""
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or len(value) > 320:
        raise InvalidRequest("enter a valid email address")
    return value


def check_password(password: str) -> str:
    """``password`` if it is long enough, else InvalidRequest."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_account(session: Session, email: str, password: str, role: str = "member") -> Account:
    """A new account on the community plan; a taken email is a Conflict."""
    address = normalise_email(email)
    check_password(password)
    if session.exec(select(Account).where(Account.email == address)).first() is not None:
        raise Conflict("an account with this email already exists")
    now = utcnow()
    account = Account(
        id="acc_" + secrets.token_hex(8),
        email=address,
        role=role,
        password_hash=_hasher.hash(password),
        created_at=now,
        password_changed_at=now,
    )
    session.add(account)
    try:
        session.flush()
    except IntegrityError as err:  # two sign-ups with one email at the same moment
        raise Conflict("an account with this email already exists") from err
    record(session, Actor(account.id, role), "account.created", account.id, email=address)
    return account


def account_public(session: Session, account: Account) -> dict[str, Any]:
    """The account as the API shows it: never its password hash."""
    return {
        "id": account.id,
        "email": account.email,
        "role": account.role,
        "plan": account.plan,
        "plan_title": PLAN_TITLES.get(account.plan, account.plan),
        "features": effective_features(session, account),
        "created_at": iso(account.created_at),
    }


# --- signing in -------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    """A new session: the token (shown once) and its account."""

    token: str
    account: Account


def _check_throttle(session: Session, settings: CloudSettings, email: str) -> None:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    failures = session.exec(
        select(LoginAttempt.attempted_at)
        .where(LoginAttempt.email == email, col(LoginAttempt.attempted_at) > since)
        .order_by(col(LoginAttempt.attempted_at))
    ).all()
    if len(failures) >= settings.login_max_failures:
        oldest = failures[-settings.login_max_failures]
        wait = oldest + timedelta(minutes=settings.login_window_minutes) - utcnow()
        seconds = max(1, int(wait.total_seconds()) + 1)
        raise RateLimited(
            f"too many failed sign-ins; try again in {seconds} seconds",
            headers={"Retry-After": str(seconds)},
        )


def sign_in(store_session: Session, settings: CloudSettings, email: str, password: str) -> SignedIn:
    """A session for the account if the password is right and sign-in is not throttled.

    Failed attempts are written by the caller's transaction only if it commits, so the
    caller commits before raising (see :func:`record_failed_sign_in`).
    """
    address = email.strip().lower()
    _check_throttle(store_session, settings, address)
    account = store_session.exec(select(Account).where(Account.email == address)).first()
    if account is None or not _verify(account.password_hash, password):
        if account is None:
            _verify(_DUMMY_HASH, password)
        raise Unauthorized("the email or password is wrong")
    store_session.execute(delete(LoginAttempt).where(col(LoginAttempt.email) == address))
    token = start_session(store_session, settings, account)
    record(store_session, Actor(account.id, account.role), "session.signed_in", account.id)
    return SignedIn(token=token, account=account)


def record_failed_sign_in(session: Session, email: str, reason: str) -> None:
    """Count a failed sign-in for the throttle and audit it (a security event)."""
    address = email.strip().lower()[:320]
    if reason == "wrong_credentials":
        session.add(LoginAttempt(email=address, attempted_at=utcnow()))
    record(session, Actor.system(), "session.sign_in_failed", address, reason=reason)


def start_session(session: Session, settings: CloudSettings, account: Account) -> str:
    """A new session token for the account (only its hash is stored)."""
    token = SESSION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_hash=token_hash(token),
            account_id=account.id,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    )
    return token


def account_for_session(session: Session, token: str) -> Account | None:
    """The account a live session token belongs to, or None."""
    row = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).first()
    if row is None or row.expires_at <= utcnow():
        return None
    return session.get(Account, row.account_id)


def end_session(session: Session, token: str) -> None:
    """Sign out: the session token stops working at once."""
    session.execute(delete(WebSession).where(col(WebSession.token_hash) == token_hash(token)))


def _end_all_sessions(session: Session, account_id: str, keep: str | None = None) -> None:
    query = delete(WebSession).where(col(WebSession.account_id) == account_id)
    if keep is not None:
        query = query.where(col(WebSession.token_hash) != token_hash(keep))
    session.execute(query)


def change_password(
    session: Session, account: Account, current: str, new: str, keep_session: str | None
) -> None:
    """Set a new password after checking the current one; other sessions end."""
    if not _verify(account.password_hash, current):
        raise Unauthorized("the current password is wrong")
    check_password(new)
    _set_password(session, account, new)
    _end_all_sessions(session, account.id, keep=keep_session)
    record(session, Actor(account.id, account.role), "account.password_changed", account.id)


def _set_password(session: Session, account: Account, password: str) -> None:
    account.password_hash = _hasher.hash(password)
    account.password_changed_at = utcnow()
    session.add(account)


# --- password reset ---------------------------------------------------------------------


def request_password_reset(
    session: Session, settings: CloudSettings, email: str, base_url: str
) -> None:
    """Write a one-time reset link to the outbox if the account exists (silently otherwise,
    so the form does not tell which emails have accounts)."""
    address = email.strip().lower()
    account = session.exec(select(Account).where(Account.email == address)).first()
    if account is None:
        record(session, Actor.system(), "password.reset_requested", address, known=False)
        return
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(minutes=settings.reset_token_minutes)
    session.add(
        ResetToken(
            token_hash=token_hash(token),
            account_id=account.id,
            created_at=now,
            expires_at=expires,
        )
    )
    body = (
        "Someone asked to reset the password of your Harbor Cloud account.\n\n"
        f"Open {base_url}/reset?token={token} to choose a new one; the link works once "
        f"and until {expires:%Y-%m-%d %H:%M} UTC.\n\nIf it was not you, ignore this message."
    )
    session.add(
        OutboxMessage(
            recipient=account.email,
            subject="Reset your Harbor Cloud password",
            body=body,
            created_at=now,
        )
    )
    record(session, Actor.system(), "password.reset_requested", account.id, known=True)


def reset_password(session: Session, token: str, new_password: str) -> Account:
    """Use a reset token once: set the password and end every session of the account."""
    check_password(new_password)
    now = utcnow()
    # Consumed by a conditional UPDATE so two uses of one token cannot both succeed.
    result = session.execute(
        update(ResetToken)
        .where(
            col(ResetToken.token_hash) == token_hash(token),
            col(ResetToken.used_at).is_(None),
            col(ResetToken.expires_at) > now,
        )
        .values(used_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidRequest("this reset link is unknown, used or expired; ask for a new one")
    row = session.exec(select(ResetToken).where(ResetToken.token_hash == token_hash(token))).one()
    account = session.get(Account, row.account_id)
    assert account is not None  # the foreign key guarantees it
    _set_password(session, account, new_password)
    _end_all_sessions(session, account.id)
    record(session, Actor(account.id, account.role), "password.reset", account.id)
    return account


def outbox(session: Session, limit: int = 100) -> list[OutboxMessage]:
    """The newest outbox messages first."""
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    return list(session.exec(query))


def find_accounts(session: Session, email_part: str, limit: int = 50) -> list[Account]:
    """Accounts whose email contains ``email_part`` (case-insensitive), by email."""
    pattern = f"%{email_part.strip().lower()}%"
    query = (
        select(Account)
        .where(func.lower(Account.email).like(pattern))
        .order_by(col(Account.email))
        .limit(limit)
    )
    return list(session.exec(query))


def sign_in_or_count(store: Store, settings: CloudSettings, email: str, password: str) -> SignedIn:
    """:func:`sign_in` in its own transaction; a failure is counted and audited in another,
    which commits even though the sign-in is refused."""
    try:
        with store.session() as session:
            return sign_in(session, settings, email, password)
    except Unauthorized:
        with store.session() as session:
            record_failed_sign_in(session, email, "wrong_credentials")
        raise
    except RateLimited:
        with store.session() as session:
            record_failed_sign_in(session, email, "throttled")
        raise
