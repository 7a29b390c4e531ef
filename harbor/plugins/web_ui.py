"""The web console (``harbor/ui``), mounted through ``harbor_routes`` like any plugin's pages."""

from __future__ import annotations

from fastapi import APIRouter

from harbor.connector import hookimpl


@hookimpl
def harbor_routes() -> list[APIRouter]:
    """The console's pages at ``/`` (overview, approvals, calls, audit, ...)."""
    from harbor.ui.pages import page_routers

    return page_routers()
