"""``/api/v1/dock``: preview and import Dock manifests (operator only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from harbor.api.deps import ActorDep, NodeDep
from harbor.contracts import DockImportRequest, DockImportResult, DockPreview, Problem
from harbor.runtime import dock_import

router = APIRouter(prefix="/dock", tags=["dock"])
REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Unsigned, or signed by an untrusted publisher"},
    409: {"model": Problem, "description": "The port exists, or this version is imported"},
    413: {"model": Problem, "description": "The manifest is too large"},
    502: {"model": Problem, "description": "The manifest could not be fetched"},
}


@router.post("/preview", response_model=DockPreview, responses=REFUSALS)
async def preview(body: DockImportRequest, node: NodeDep) -> DockPreview:
    """What importing the manifest would create: port, actions, rules, secrets. Changes nothing."""
    return await dock_import.preview_import(node, body)


@router.post(
    "/import",
    response_model=DockImportResult,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSALS,
)
async def import_manifest(
    body: DockImportRequest, node: NodeDep, actor: ActorDep
) -> DockImportResult:
    """Import the manifest in one transaction: port, drafts, suggested rules (disabled)."""
    return await dock_import.import_manifest(node, body, actor)
