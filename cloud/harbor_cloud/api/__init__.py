"""The cloud's JSON API under /api/v1: one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from harbor_cloud.api import accounts, admin, enrollment_codes, keys, nodes, sessions


def api_router() -> APIRouter:
    """Every API route, under /api/v1."""
    router = APIRouter(prefix="/api/v1")
    for module in (accounts, sessions, enrollment_codes, nodes, keys, admin):
        router.include_router(module.router)
    return router
