"""``/api/v1/license``: the node's Harbor Cloud license (operator only), and its daily refresh.

The router's lifespan runs the background refresh in every worker while the app serves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import APIRouter, FastAPI

from harbor.api.deps import ActorDep, NodeDep
from harbor.contracts import LicenseEnroll, LicenseStatus, LicenseUnenrolled, Problem
from harbor.runtime.cloud import background, service


@asynccontextmanager
async def refresh_in_background(app: FastAPI) -> AsyncIterator[None]:
    """Run the daily license refresh while the app serves."""
    task = asyncio.create_task(
        background.refresh_forever(app.state.node), name="harbor-cloud-refresh"
    )
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


router = APIRouter(prefix="/license", tags=["license"], lifespan=refresh_in_background)
_CLOUD_PROBLEMS: dict[int | str, dict[str, object]] = {
    409: {"model": Problem, "description": "Already enrolled, or not enrolled"},
    502: {"model": Problem, "description": "Harbor Cloud answered with an error or a bad license"},
    503: {"description": "Harbor Cloud (or the database) cannot be reached"},
}


@router.get("", response_model=LicenseStatus)
async def read_license(node: NodeDep) -> LicenseStatus:
    """Plan, features, expiry and grace, and the last contact with Harbor Cloud."""
    return await anyio.to_thread.run_sync(service.now_status, node)


@router.post(
    "/enroll",
    response_model=LicenseStatus,
    responses={
        **_CLOUD_PROBLEMS,
        403: {
            "model": Problem,
            "description": "The address is not a trusted source, or the cloud refused the code",
        },
    },
)
async def enroll(body: LicenseEnroll, node: NodeDep, actor: ActorDep) -> LicenseStatus:
    """Enroll this node with Harbor Cloud using a one-time code from the member area."""
    return await service.enroll(node, actor, body.url, body.code)


@router.post("/refresh", response_model=LicenseStatus, responses=_CLOUD_PROBLEMS)
async def refresh(node: NodeDep, actor: ActorDep) -> LicenseStatus:
    """Fetch a fresh license now (the node also does this daily)."""
    return await service.refresh(node, actor)


@router.post(
    "/unenroll",
    response_model=LicenseUnenrolled,
    responses={409: {"model": Problem, "description": "The node is not enrolled"}},
)
async def unenroll(node: NodeDep, actor: ActorDep) -> LicenseUnenrolled:
    """Tell the cloud (when it answers) and forget the license and node key on this node."""
    return await service.unenroll(node, actor)
