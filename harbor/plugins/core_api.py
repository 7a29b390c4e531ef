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
    dock,
    drafts,
    health,
    hooks,
    license,
    metrics,
    node_control,
    oauth,
    operators,
    packs,
    policies,
    ports,
    settings,
    tokens,
)
from harbor.connector import hookimpl


@hookimpl(tryfirst=True)
def harbor_routes() -> list[APIRouter]:
    """The node's own resources under /api/v1, ``/metrics`` and ``/hooks/{port}``."""
    api = APIRouter(prefix="/api/v1")
    for module in (
        health, auth, agents, tokens, settings, connectors, ports, drafts, actions, audit,
        policies, calls, approvals, node_control, dock, packs, oauth, license, operators,
    ):  # fmt: skip
        api.include_router(module.router)
    api.include_router(hooks.events_router)
    return [api, metrics.router, hooks.router, oauth.callback_router]
