"""The node's Harbor Cloud license: the public shapes, and helpers over any Harbor client.

The operator enrolls a node with a one-time code from the Harbor Cloud member area
(``POST /api/v1/license/enroll``); the node then holds a signed license that says which
premium features are on. None of these shapes carries a key or a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

import httpx
from pydantic import BaseModel, Field

LicenseState = Literal["community", "active", "grace", "expired"]


class LicenseStatus(BaseModel):
    """The license as it stands now, and the node's last contact with Harbor Cloud."""

    status: LicenseState = Field(
        description="community (never enrolled), active, grace (expired, cloud unreachable; "
        "features stay on until grace_until) or expired (back to Community)"
    )
    plan: str = Field(description="The plan in effect: community when no license applies")
    features: list[str] = Field(
        default_factory=list, description="The premium features in effect, sorted"
    )
    licensed_plan: str | None = Field(None, description="The plan the held license names")
    expires_at: datetime | None = Field(None, description="When the held license expires")
    grace_until: datetime | None = Field(
        None, description="Until when the license holds if the cloud stays unreachable"
    )
    issued_at: datetime | None = None
    node_id: str | None = Field(None, description="This node's id at Harbor Cloud")
    cloud_url: str | None = Field(None, description="The Harbor Cloud the node is enrolled with")
    account_email: str | None = Field(None, description="The cloud account that owns the node")
    enrolled_at: datetime | None = None
    last_contact_at: datetime | None = Field(
        None, description="When the cloud last answered this node"
    )
    last_error: str | None = Field(None, description="Why the last contact failed, if it did")
    warnings: list[str] = Field(default_factory=list)


class LicenseEnroll(BaseModel):
    """Enroll this node with Harbor Cloud using a one-time code from the member area."""

    url: str = Field(
        pattern=r"^https?://[!-\"$->@-~]+$",
        max_length=2048,
        description="The Harbor Cloud's address, e.g. https://cloud.example.org",
    )
    code: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[!-~]+$",
        description="The enrollment code (one-time, short-lived)",
    )


class LicenseUnenrolled(BaseModel):
    """The outcome of an unenroll: always forgotten here, told to the cloud when reachable."""

    cloud_notified: bool = Field(description="Whether Harbor Cloud confirmed the unenroll")
    message: str
    license: LicenseStatus


class _Requests(Protocol):
    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...


def license_status(client: _Requests) -> LicenseStatus:
    """The node's license: plan, features, expiry, last contact with the cloud."""
    return LicenseStatus.model_validate(client.request("GET", "/api/v1/license").json())


def enroll(client: _Requests, url: str, code: str) -> LicenseStatus:
    """Enroll the node with the Harbor Cloud at ``url`` using the one-time ``code``."""
    body = LicenseEnroll(url=url, code=code).model_dump()
    response = client.request("POST", "/api/v1/license/enroll", json=body)
    return LicenseStatus.model_validate(response.json())


def refresh(client: _Requests) -> LicenseStatus:
    """Ask the cloud for a fresh license now (the node also does this daily)."""
    response = client.request("POST", "/api/v1/license/refresh")
    return LicenseStatus.model_validate(response.json())


def unenroll(client: _Requests) -> LicenseUnenrolled:
    """Tell the cloud (when reachable) and forget the license and node key on the node."""
    response = client.request("POST", "/api/v1/license/unenroll")
    return LicenseUnenrolled.model_validate(response.json())


__all__ = [
    "LicenseEnroll",
    "LicenseState",
    "LicenseStatus",
    "LicenseUnenrolled",
    "enroll",
    "license_status",
    "refresh",
    "unenroll",
]
