"""``/api/v1/packs``: export the node's setup as a Harbor Pack, and import one (operator only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from harbor.api.deps import ActorDep, NodeDep
from harbor.contracts import (
    PACK_FILE_SUFFIX,
    HarborPack,
    PackExportRequest,
    PackImportPlan,
    PackImportRequest,
    Problem,
)
from harbor.runtime import packs

router = APIRouter(prefix="/packs", tags=["packs"])
REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "A named port or rule, or a connector, is missing"},
    409: {"model": Problem, "description": "A conflict the strategy cannot resolve"},
    413: {"model": Problem, "description": "The pack is too large"},
}


@router.post("/export", response_model=HarborPack, responses=REFUSALS)
def export_pack(body: PackExportRequest, node: NodeDep, actor: ActorDep) -> JSONResponse:
    """The chosen ports (without secrets), actions and rules as a ``.harborpack.json``."""
    with node.store.session(actor) as session:
        pack = packs.export_pack(session, node, body)
    return JSONResponse(
        pack.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="harbor{PACK_FILE_SUFFIX}"'},
    )


@router.post("/import", response_model=PackImportPlan, responses=REFUSALS)
def import_pack(body: PackImportRequest, node: NodeDep, actor: ActorDep) -> PackImportPlan:
    """Plan the import (``dry_run``, the default) or apply it in one transaction."""
    if body.dry_run:
        with node.store.read_session() as session:
            return packs.import_pack(session, node, body)
    with node.store.session(actor) as session:
        return packs.import_pack(session, node, body)
