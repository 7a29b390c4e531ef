"""``/api/v1/health`` and ``/api/v1/plugins``: is the node up, and what did it load."""

from __future__ import annotations

from fastapi import APIRouter, Response

from harbor.api.access import public_access
from harbor.api.deps import NodeDep, OptionalPrincipalDep
from harbor.contracts import Health, HealthPlugins, PluginInfo

router = APIRouter(tags=["node"])


@router.get(
    "/health",
    response_model=Health,
    response_model_exclude_none=True,
    openapi_extra=public_access(),
    responses={503: {"model": Health, "description": "The database is unreachable"}},
)
def read_health(node: NodeDep, principal: OptionalPrincipalDep, response: Response) -> Health:
    """Liveness and readiness: ``ok``, ``degraded`` (a plugin failed) or 503."""
    records = node.plugins.records.values()
    plugins = HealthPlugins(
        loaded=sorted(r.name for r in records if r.loaded),
        failed=sorted(r.name for r in records if not r.loaded),
    )
    database_ok = node.store.ping()
    if not database_ok:
        status = "unavailable"
        response.status_code = 503
    else:
        status = "degraded" if plugins.failed else "ok"
    is_operator = principal is not None and principal.is_operator
    return Health(
        status=status,
        version=node.version,
        database="ok" if database_ok else "unreachable",
        plugins=plugins,
        details=node.plugins.public_records(with_errors=True) if is_operator else None,
    )


@router.get("/plugins", response_model=list[PluginInfo])
def list_plugins(node: NodeDep) -> list[PluginInfo]:
    """Every plugin the node tried to load, with versions and errors (operator only)."""
    return node.plugins.public_records(with_errors=True)
