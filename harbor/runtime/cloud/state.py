"""What the node remembers of Harbor Cloud, in operator state, and what its license means now.

One JSON value (``harbor_cloud``) holds the cloud URL, node id, license, pinned cloud keys,
last contact and last error, so every worker sees the same. A second row
(``harbor_cloud_refresh``) is the refresh claim: its ``updated_at`` is the last attempt, and
a worker refreshes only after taking it with a conditional update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, update

from harbor.runtime.cloud.tokens import LicenseClaims, LicenseRejected, verify_license
from harbor.runtime.state import delete_state, read_state, write_state
from harbor.store.models import NodeState
from harbor.store.types import utcnow
from harbor_client.license_api import LicenseStatus

if TYPE_CHECKING:
    from harbor.store import Store

STATE_KEY = "harbor_cloud"
REFRESH_CLAIM_KEY = "harbor_cloud_refresh"
GRACE = timedelta(days=7)
COMMUNITY = "community"


class CloudState(BaseModel):
    """The node's stored view of its enrollment (no secret: the node key is a file)."""

    cloud_url: str | None = None
    node_id: str | None = None
    license: str | None = None
    keys: list[dict[str, Any]] = Field(default_factory=list)
    account_email: str | None = None
    enrolled_at: datetime | None = None
    last_contact_at: datetime | None = None
    last_error: str | None = None

    @property
    def enrolled(self) -> bool:
        """Whether the node holds a license from a cloud."""
        return bool(self.node_id and self.license and self.cloud_url)


def read_cloud_state(session: Session) -> CloudState:
    """The stored enrollment, or an empty one."""
    return CloudState.model_validate(read_state(session, STATE_KEY) or {})


def write_cloud_state(session: Session, cloud: CloudState) -> None:
    """Store the enrollment (in the caller's transaction)."""
    write_state(session, STATE_KEY, cloud.model_dump(mode="json"))


def forget_cloud_state(session: Session, keep: CloudState | None = None) -> None:
    """Drop the enrollment; ``keep`` (no license) is stored instead when given."""
    delete_state(session, REFRESH_CLAIM_KEY)
    if keep is None:
        delete_state(session, STATE_KEY)
    else:
        write_cloud_state(session, keep)


def start_refresh_clock(session: Session) -> None:
    """Mark now as the last refresh attempt (at enrollment and after every refresh)."""
    write_state(session, REFRESH_CLAIM_KEY, {"what": "last Harbor Cloud refresh attempt"})


def claim_refresh(session: Session, now: datetime, every: timedelta) -> bool:
    """Take the refresh turn if no worker tried within ``every``; False when not due."""
    taken = session.exec(
        update(NodeState)
        .where(col(NodeState.key) == REFRESH_CLAIM_KEY)
        .where(col(NodeState.updated_at) <= now - every)
        .values(updated_at=now)
    )
    return bool(taken.rowcount == 1)


# --- What the license means at a moment -------------------------------------------------------


@dataclass(frozen=True)
class Entitlement:
    """The plan and features in effect at one moment, and why."""

    status: Literal["community", "active", "grace", "expired"] = "community"
    plan: str = COMMUNITY
    features: frozenset[str] = frozenset()
    claims: LicenseClaims | None = None
    warnings: list[str] = field(default_factory=list)


def held_claims(cloud: CloudState, now: datetime) -> LicenseClaims | None:
    """The stored license re-verified with the pinned keys (expiry aside), or None."""
    if not cloud.enrolled:
        return None
    assert cloud.license is not None
    assert cloud.node_id is not None
    try:
        return verify_license(cloud.license, cloud.keys, cloud.node_id, now, check_expiry=False)
    except LicenseRejected:
        return None


def entitlement(cloud: CloudState, now: datetime) -> Entitlement:
    """Active until the license expires, then ``grace`` for 7 days, then Community again."""
    if not cloud.enrolled:
        return Entitlement()
    claims = held_claims(cloud, now)
    if claims is None:
        return Entitlement(
            status="expired",
            warnings=["the stored license no longer verifies with the pinned cloud key; "
                      "the node runs as Community: refresh or enroll again"],
        )  # fmt: skip
    if now < claims.expires_at:
        return Entitlement("active", claims.plan, claims.features, claims)
    grace_until = claims.expires_at + GRACE
    if now < grace_until:
        warning = (
            f"the license expired at {claims.expires_at:%Y-%m-%d %H:%M} UTC and Harbor Cloud "
            f"could not renew it; its features stay on until {grace_until:%Y-%m-%d %H:%M} UTC"
        )
        return Entitlement("grace", claims.plan, claims.features, claims, [warning])
    warning = (
        f"the license expired at {claims.expires_at:%Y-%m-%d %H:%M} UTC and its 7-day grace "
        f"ended; the node runs as Community until Harbor Cloud renews it"
    )
    return Entitlement("expired", claims=claims, warnings=[warning])


def license_status(cloud: CloudState, now: datetime | None = None) -> LicenseStatus:
    """The public view of the license at ``now``."""
    now = now or utcnow()
    current = entitlement(cloud, now)
    claims = current.claims
    warnings = list(current.warnings)
    if cloud.last_error and cloud.enrolled:
        warnings.append(f"the last contact with Harbor Cloud failed: {cloud.last_error}")
    return LicenseStatus(
        status=current.status,
        plan=current.plan,
        features=sorted(current.features),
        licensed_plan=claims.plan if claims else None,
        expires_at=claims.expires_at if claims else None,
        grace_until=claims.expires_at + GRACE if claims else None,
        issued_at=claims.issued_at if claims else None,
        node_id=cloud.node_id,
        cloud_url=cloud.cloud_url,
        account_email=cloud.account_email,
        enrolled_at=cloud.enrolled_at,
        last_contact_at=cloud.last_contact_at,
        last_error=cloud.last_error,
        warnings=warnings,
    )


def current_entitlement(store: Store) -> Entitlement:
    """What the database's license means right now (what ``node.license`` answers)."""
    with store.read_session() as session:
        cloud = read_cloud_state(session)
    return entitlement(cloud, utcnow())
