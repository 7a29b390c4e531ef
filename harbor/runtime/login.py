"""Operator sign-in with a password: throttled, audited, and answered with an operator token.

The API's ``POST /auth/login`` and the web console's sign-in form both come here, so the
throttle holds whichever door is knocked on. Failed attempts are counted in operator state
(the database), so every worker of the node sees the same count. The throttle is node-wide
rather than per address or per operator: on loopback every caller shares an address, and a
guesser must not get a fresh allowance per operator name.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from harbor.contracts import TokenCreated
from harbor.errors import Forbidden, RateLimited, Unauthorized
from harbor.runtime import identity
from harbor.runtime.audit import Actor, record_change
from harbor.runtime.operators import NEEDS_LICENCE, team_enabled
from harbor.runtime.state import delete_state, read_state, write_state
from harbor.store import Store

if TYPE_CHECKING:
    from harbor.node import Node
from harbor.store.types import utcnow

FAILURES_KEY = "login_failures"
#: At most this many wrong passwords within ``FAILURE_WINDOW``; then sign-in waits.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
OPERATOR = Actor(type="operator", name=identity.OPERATOR_NAME)


def recent_failures(session: Session, now: datetime) -> list[datetime]:
    """The times of wrong passwords still inside the window, oldest first."""
    stored: dict[str, Any] | None = read_state(session, FAILURES_KEY)
    times = [datetime.fromisoformat(t) for t in (stored or {}).get("times", [])]
    return sorted(t for t in times if now - t < FAILURE_WINDOW)


def _retry_after(failures: list[datetime], now: datetime) -> int:
    """Seconds until the oldest counted failure leaves the window."""
    return max(1, math.ceil((failures[0] + FAILURE_WINDOW - now).total_seconds()))


def _ensure_not_throttled(store: Store) -> None:
    """RateLimited (audited) while too many recent attempts failed."""
    now = utcnow()
    with store.read_session() as session:
        failures = recent_failures(session, now)
    if len(failures) < MAX_FAILURES:
        return
    wait = _retry_after(failures, now)
    with store.session() as session:
        record_change(
            session, "operator.login", f"operator:{identity.OPERATOR_NAME}", outcome="rate_limited"
        )
    minutes = math.ceil(wait / 60)
    raise RateLimited(
        f"too many wrong passwords; try again in {minutes} minute{'s' if minutes != 1 else ''}",
        extra={"retry_after": wait},
        headers={"Retry-After": str(wait)},
    )


def _record_failure(store: Store, name: str | None = None) -> None:
    """Audit the failed attempt and count it, in a transaction of its own."""
    now = utcnow()
    with store.session() as session:
        times = [*recent_failures(session, now), now]
        write_state(session, FAILURES_KEY, {"times": [t.isoformat() for t in times]})
        identity.record_login(session, ok=False, name=name)


def sign_in(
    node: Node,
    password: str,
    token_name: str,
    expires_in_days: int | None,
    name: str | None = None,
) -> TokenCreated:
    """Check an operator's password (the owner's when ``name`` is None); return a new token.

    Refused with ``rate_limited`` (and ``retry_after``) after ``MAX_FAILURES`` wrong
    passwords within ``FAILURE_WINDOW``; every attempt is audited as ``operator.login``. A
    team member is refused while the node has no licence for team operators.
    """
    store = node.store
    _ensure_not_throttled(store)
    try:
        with store.session(Actor(type="operator", name=name or identity.OPERATOR_NAME)) as session:
            operator = identity.check_operator_password(session, password, name)
            if operator.role != "owner" and not team_enabled(node):
                raise Forbidden(NEEDS_LICENCE)
            identity.record_login(session, ok=True, name=operator.name)
            if read_state(session, FAILURES_KEY) is not None:
                delete_state(session, FAILURES_KEY)
            return identity.create_operator_token(
                session, token_name, expires_in_days, operator_id=operator.id
            )
    except Unauthorized:
        _record_failure(store, name)
        raise


def sign_out(store: Store, token: str) -> None:
    """Revoke the operator token behind a console session (unknown or revoked: nothing)."""
    with store.session(OPERATOR) as session:
        token_id = identity.operator_token_id(session, token)
        if token_id is not None:
            identity.revoke_operator_token(session, token_id)
