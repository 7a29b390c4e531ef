"""Harbor Packs (``/packs``): download the node's setup as a pack, and import one with a plan.

The same runtime functions as ``/api/v1/packs``: an export never holds a secret value, and an
import first shows its plan (dry run) before the operator applies it in one transaction.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from harbor.contracts import (
    MAX_PACK_BYTES,
    PACK_FILE_SUFFIX,
    PackExportRequest,
    PackImportPlan,
    PackImportRequest,
)
from harbor.errors import HarborError, InvalidRequest, PayloadTooLarge
from harbor.node import Node
from harbor.runtime import packs, ports
from harbor.ui.pages.schema_forms import build_model
from harbor.ui.rendering import render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep

router = ui_router()
STRATEGIES = [
    ("skip", "skip: keep what this node has"),
    ("rename", "rename: import under a new name"),
    ("replace", "replace: update, publishing new versions"),
]


def _page(
    request: Request,
    node: Node,
    values: dict[str, Any] | None = None,
    plan: PackImportPlan | None = None,
    error: HarborError | None = None,
) -> HTMLResponse:
    with node.store.read_session() as session:
        port_names = [p.name for p in ports.list_ports(session, node)]
    context = {
        "ports": port_names,
        "values": values or {"pack": "", "on_conflict": "skip"},
        "strategies": STRATEGIES,
        "plan": plan,
    }
    status = error.status if error else 200
    return render(request, "packs/index.html", context, status_code=status, error=error)


@router.get("/packs")
def packs_page(request: Request, node: NodeDep, _operator: OperatorDep) -> HTMLResponse:
    """Export and import forms."""
    return _page(request, node)


@router.post("/packs/export", response_model=None)
def export_pack(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: Annotated[list[str] | None, Form()] = None,
    with_policies: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """Download the chosen ports (all when none is ticked) as a pack."""
    try:
        spec = build_model(
            PackExportRequest, {"ports": port or None, "policies": None if with_policies else []}
        )
        with node.store.session(operator.actor) as session:
            pack = packs.export_pack(session, node, spec)
    except HarborError as err:
        return _page(request, node, error=err)
    return Response(
        json.dumps(pack.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="harbor{PACK_FILE_SUFFIX}"'},
    )


async def _pack_text(pack: str, upload: UploadFile | None) -> str:
    if upload is not None and upload.filename:
        raw = await upload.read(MAX_PACK_BYTES + 1)
        if len(raw) > MAX_PACK_BYTES:
            raise PayloadTooLarge(f"the pack is larger than {MAX_PACK_BYTES} bytes")
        return raw.decode("utf-8", errors="replace")
    return pack


@router.post("/packs/import")
async def import_pack(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    pack: Annotated[str, Form(max_length=MAX_PACK_BYTES)] = "",
    pack_file: UploadFile | None = None,
    on_conflict: Annotated[str, Form(max_length=10)] = "skip",
    apply: Annotated[str, Form(max_length=4)] = "",
) -> HTMLResponse:
    """Show the plan of a pack, or apply it when the operator pressed Apply."""
    values: dict[str, Any] = {"pack": pack, "on_conflict": on_conflict}
    try:
        text = await _pack_text(pack, pack_file)
        values["pack"] = text
        try:
            document = json.loads(text)
        except ValueError as err:
            raise InvalidRequest(f"the pack is not valid JSON: {err}") from err
        body = build_model(
            PackImportRequest,
            {"pack": document, "dry_run": not apply, "on_conflict": on_conflict},
        )
        plan = _run_import(node, operator, body)
    except HarborError as err:
        return _page(request, node, values, error=err)
    return _page(request, node, values, plan)


def _run_import(node: Node, operator: Any, body: PackImportRequest) -> PackImportPlan:
    if body.dry_run:
        with node.store.read_session() as session:
            return packs.import_pack(session, node, body)
    with node.store.session(operator.actor) as session:
        return packs.import_pack(session, node, body)
