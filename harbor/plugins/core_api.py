"""The core REST API, mounted through ``harbor_routes`` like any plugin's routes."""

from __future__ import annotations

from fastapi import APIRouter

from harbor.api.routes import (
    actions,
    agents,
    approvals,
    audit,
    auth,
    calls,
    connectors,
    drafts,
    health,
    metrics,
    node_control,
    policies,
    ports,
    settings,
    tokens,
)
from harbor.connector import hookimpl


@hookimpl(tryfirst=True)
def harbor_routes() -> list[APIRouter]:
    """The node's own resources under /api/v1, and ``/metrics``."""
    api = APIRouter(prefix="/api/v1")
    for module in (
        health, auth, agents, tokens, settings, connectors, ports, drafts, actions, audit,
        policies, calls, approvals, node_control,
    ):  # fmt: skip
        api.include_router(module.router)
    return [api, metrics.router]
