"""Dock import (``/dock/import?url=...``): the preview of a manifest, then the confirmation.

Dock sites link here ("Import into Harbor"). The page fetches and verifies the manifest with
the same runtime function as ``POST /api/v1/dock/preview`` and shows what would be created;
nothing changes until the operator confirms, which runs the same import as the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.contracts import DockImportRequest, DockPreview
from harbor.errors import HarborError
from harbor.node import Node
from harbor.runtime import dock_import
from harbor.ui.pages.schema_forms import build_model, parse_json_object
from harbor.ui.rendering import redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep

router = ui_router()
Url = Annotated[str, Form(max_length=2048)]
Short = Annotated[str, Form(max_length=64)]
Text = Annotated[str, Form(max_length=20_000)]


def _request(values: dict[str, str], **flags: bool) -> DockImportRequest:
    return build_model(
        DockImportRequest,
        {
            "url": values["url"].strip(),
            "port": values["port"].strip() or None,
            "config": parse_json_object(values["config"], "Config"),
            **flags,
        },
    )


def _page(
    request: Request,
    values: dict[str, str],
    preview: DockPreview | None = None,
    error: HarborError | None = None,
) -> HTMLResponse:
    context: dict[str, Any] = {"values": values, "preview": preview}
    status = error.status if error else 200
    return render(request, "dock/import.html", context, status_code=status, error=error)


async def _preview(node: Node, values: dict[str, str]) -> DockPreview:
    return await dock_import.preview_import(node, _request(values))


@router.get("/dock/import")
async def import_page(
    request: Request,
    node: NodeDep,
    _operator: OperatorDep,
    url: Annotated[str, Query(max_length=2048)] = "",
) -> HTMLResponse:
    """Ask for a manifest URL, or preview the one a Dock site linked to."""
    values = {"url": url, "port": "", "config": "{}"}
    if not url:
        return _page(request, values)
    try:
        preview = await _preview(node, values)
    except HarborError as err:
        return _page(request, values, error=err)
    return _page(request, values, preview)


@router.post("/dock/preview")
async def preview_page(
    request: Request,
    node: NodeDep,
    _operator: OperatorDep,
    url: Url,
    port: Short = "",
    config: Text = "{}",
) -> HTMLResponse:
    """Preview with the operator's port name and config."""
    values = {"url": url, "port": port, "config": config}
    try:
        preview = await _preview(node, values)
    except HarborError as err:
        return _page(request, values, error=err)
    return _page(request, values, preview)


@router.post("/dock/import", response_model=None)
async def confirm_import(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    url: Url,
    port: Short = "",
    config: Text = "{}",
    publish: Annotated[str, Form(max_length=4)] = "",
    enable_policies: Annotated[str, Form(max_length=4)] = "",
) -> HTMLResponse | RedirectResponse:
    """Import what the preview showed, in one transaction."""
    values = {"url": url, "port": port, "config": config}
    try:
        body = _request(values, publish=bool(publish), enable_policies=bool(enable_policies))
        result = await dock_import.import_manifest(node, body, operator.actor)
    except HarborError as err:
        return _page(request, values, error=err)
    name = result.preview.port.name
    return redirect_to(
        request,
        f"/ports/{name}",
        f"Imported {result.preview.name} {result.preview.version}: "
        f"{len(result.drafts)} drafts. Set the port's secrets next.",
    )
