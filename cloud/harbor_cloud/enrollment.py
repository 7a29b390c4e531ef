"""Enrollment codes: random, short-lived, one-time, hashed at rest.

A code is consumed by a conditional UPDATE (``used_at IS NULL AND expires_at > now``) whose
row count says whether this request won it, in the transaction that creates the node: two
uses of one code, even at the same moment, can never both enroll a node.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from harbor_cloud.accounts import token_hash
from harbor_cloud.audit import Actor, record
from harbor_cloud.errors import EnrollmentCodeInvalid
from harbor_cloud.store.engine import iso, utcnow
from harbor_cloud.store.models import Account, EnrollmentCode

# No 0/O, 1/I/L: a code may be read aloud or typed from a screen. 20 characters = 100 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, GROUP_LENGTH = 5, 4


@dataclass(frozen=True)
class NewCode:
    """A freshly created code: shown once, only its hash is kept."""

    code: str
    expires_at: datetime


def normalise_code(code: str) -> str:
    """The code as hashed: upper-case, without dashes or spaces."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def create_code(session: Session, account: Account, minutes: int) -> NewCode:
    """A new one-time enrollment code for the account, valid for ``minutes``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * GROUP_LENGTH))
    code = "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))
    now = utcnow()
    expires = now + timedelta(minutes=minutes)
    session.add(
        EnrollmentCode(
            code_hash=token_hash(raw), account_id=account.id, created_at=now, expires_at=expires
        )
    )
    record(
        session,
        Actor(account.id, account.role),
        "enrollment_code.created",
        account.id,
        expires_at=iso(expires),
    )
    return NewCode(code=code, expires_at=expires)


def consume_code(session: Session, code: str) -> EnrollmentCode:
    """Mark the code used and return it; unknown, used or expired -> EnrollmentCodeInvalid."""
    hashed = token_hash(normalise_code(code))
    now = utcnow()
    result = session.execute(
        update(EnrollmentCode)
        .where(
            col(EnrollmentCode.code_hash) == hashed,
            col(EnrollmentCode.used_at).is_(None),
            col(EnrollmentCode.expires_at) > now,
        )
        .values(used_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise EnrollmentCodeInvalid("the enrollment code is unknown, used or expired")
    return session.exec(select(EnrollmentCode).where(EnrollmentCode.code_hash == hashed)).one()


def codes_of(session: Session, account_id: str, limit: int = 50) -> list[EnrollmentCode]:
    """The account's enrollment codes, newest first."""
    query = (
        select(EnrollmentCode)
        .where(EnrollmentCode.account_id == account_id)
        .order_by(col(EnrollmentCode.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def code_public(code: EnrollmentCode) -> dict[str, Any]:
    """An enrollment code as the admin API shows it (never the code itself)."""
    now = utcnow()
    state = "used" if code.used_at else ("expired" if code.expires_at <= now else "open")
    return {
        "id": code.id,
        "created_at": iso(code.created_at),
        "expires_at": iso(code.expires_at),
        "used_at": iso(code.used_at),
        "node_id": code.node_id,
        "state": state,
    }
