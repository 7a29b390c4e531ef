"""Plans and features: a plan is a set of feature flags; admins grant or revoke single flags."""

from __future__ import annotations

from sqlmodel import Session, select

from harbor_cloud.audit import Actor, record
from harbor_cloud.errors import InvalidRequest
from harbor_cloud.store.engine import utcnow
from harbor_cloud.store.models import Account, FeatureOverride

#: Every feature a license can carry, with the words the member area shows for it.
FEATURES: dict[str, str] = {"team": "Team operators"}
PLANS: dict[str, frozenset[str]] = {"community": frozenset(), "pro": frozenset({"team"})}
PLAN_TITLES: dict[str, str] = {"community": "Community", "pro": "Pro"}


def check_plan(plan: str) -> str:
    """``plan`` if it is a known plan, else InvalidRequest."""
    if plan not in PLANS:
        raise InvalidRequest(f"unknown plan {plan!r}; plans are {', '.join(sorted(PLANS))}")
    return plan


def check_feature(feature: str) -> str:
    """``feature`` if it is a known feature, else InvalidRequest."""
    if feature not in FEATURES:
        known = ", ".join(sorted(FEATURES))
        raise InvalidRequest(f"unknown feature {feature!r}; features are {known}")
    return feature


def overrides_of(session: Session, account_id: str) -> dict[str, bool]:
    """The account's per-feature overrides: feature -> granted (True) or revoked (False)."""
    rows = session.exec(select(FeatureOverride).where(FeatureOverride.account_id == account_id))
    return {row.feature: row.granted for row in rows}


def effective_features(session: Session, account: Account) -> list[str]:
    """Plan features + grants - revocations, sorted."""
    features = set(PLANS.get(account.plan, frozenset()))
    for feature, granted in overrides_of(session, account.id).items():
        (features.add if granted else features.discard)(feature)
    return sorted(features)


def change_plan(session: Session, admin: Actor, account: Account, plan: str) -> None:
    """Move the account to ``plan`` (audited with the admin's id)."""
    check_plan(plan)
    if plan == account.plan:
        return
    previous, account.plan = account.plan, plan
    session.add(account)
    record(session, admin, "account.plan_changed", account.id, previous=previous, plan=plan)


def set_feature(
    session: Session, admin: Actor, account: Account, feature: str, granted: bool
) -> None:
    """Grant (``granted``) or revoke one feature for the account, on top of its plan."""
    check_feature(feature)
    override = session.get(FeatureOverride, (account.id, feature))
    if override is None:
        override = FeatureOverride(
            account_id=account.id, feature=feature, granted=granted, changed_at=utcnow()
        )
    override.granted, override.changed_at, override.changed_by = granted, utcnow(), admin.id
    session.add(override)
    action = "account.feature_granted" if granted else "account.feature_revoked"
    record(session, admin, action, account.id, feature=feature)
