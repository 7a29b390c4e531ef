"""The console's pages: one module per group, each exposing ``router = ui_router()``.

Every module in this package that has a ``router`` is mounted, in the order of the module
names, so adding a page group never means editing a shared list.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter


def page_routers() -> list[APIRouter]:
    """The ``router`` of every page module of this package."""
    routers: list[APIRouter] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers
