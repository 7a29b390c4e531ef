"""Enrollment codes: a member creates a short-lived one-time code for `harbor cloud enroll`."""

from __future__ import annotations

from fastapi import APIRouter

from harbor_cloud import enrollment
from harbor_cloud.api.deps import CallerDep, CloudDep
from harbor_cloud.store.engine import iso

router = APIRouter(tags=["enrollment"])


@router.post("/enrollment-codes", status_code=201)
def create_code(caller: CallerDep, cloud: CloudDep) -> dict[str, str | None]:
    """A new code, shown once (only its hash is kept)."""
    minutes = cloud.settings.enrollment_code_minutes
    with cloud.store.session() as session:
        new = enrollment.create_code(session, caller.account, minutes)
    return {"code": new.code, "expires_at": iso(new.expires_at)}
