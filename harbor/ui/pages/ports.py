"""Ports: the list with status and last call, "New port" from the connector's config schema,
and the connection check. The port workspace (``/ports/{port}``) is in ``workspace.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.contracts import PORT_NAME_PATTERN, ConnectorInfo, PortCreate, PortPublic
from harbor.errors import HarborError
from harbor.node import Node
from harbor.runtime import connectors, execution, ports
from harbor.ui.pages.schema_forms import build_model, read_schema_form, refill, schema_fields
from harbor.ui.rendering import redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep, safe_next

router = ui_router()
#: Not a valid port name (no underscore allowed), so it never hides a port's workspace.
NEW_PORT_PATH = "/ports/_new"


def _ports_and_connectors(node: Node) -> tuple[list[PortPublic], list[ConnectorInfo]]:
    with node.store.read_session() as session:
        return ports.list_ports(session, node), connectors.list_connectors(node)


@router.get("/ports")
def ports_page(request: Request, node: NodeDep, operator: OperatorDep) -> HTMLResponse:
    """Every port with its connector, status, last check and last call."""
    port_list, installed = _ports_and_connectors(node)
    context = {"ports": port_list, "connectors": installed, "new_port_path": NEW_PORT_PATH}
    return render(request, "ports/list.html", context)


def _new_port_page(
    request: Request,
    node: Node,
    connector_type: str | None,
    values: dict[str, Any] | None = None,
    error: HarborError | None = None,
    typed: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    installed = connectors.list_connectors(node)
    chosen = next((c for c in installed if c.type == connector_type), None)
    values = values or {}
    fields = []
    if chosen is not None:
        fields = schema_fields(chosen.config_schema, {}, chosen.secret_fields)
        if typed is not None:
            fields = refill(fields, typed)
    context = {
        "connectors": installed,
        "connector": chosen,
        "fields": fields,
        "values": values,
        "name_pattern": PORT_NAME_PATTERN,
        "new_port_path": NEW_PORT_PATH,
    }
    status = error.status if error else 200
    return render(request, "ports/new.html", context, status_code=status, error=error)


@router.get(NEW_PORT_PATH)
def new_port_page(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    connector: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """Pick a connector, then fill in the form its config schema describes."""
    return _new_port_page(request, node, connector)


@router.post(NEW_PORT_PATH, response_model=None)
async def create_port(
    request: Request, node: NodeDep, operator: OperatorDep
) -> HTMLResponse | RedirectResponse:
    """Create the port and set the secrets typed in, in one transaction."""
    form = await request.form()
    connector_type = str(form.get("connector", ""))
    values: dict[str, Any] = {
        "name": str(form.get("name", "")).strip(),
        "description": str(form.get("description", "")).strip(),
    }
    try:
        info = connectors.connector_info(node, connectors.get_connector(node, connector_type))
        config, secrets = read_schema_form(info.config_schema, info.secret_fields, form)
        spec = build_model(PortCreate, {**values, "config": config, "connector": connector_type})

        def create() -> PortPublic:
            with node.store.session(operator.actor) as session:
                return ports.create_port_with_secrets(session, node, spec, secrets)

        created = await run_in_threadpool(create)
    except HarborError as err:
        return _new_port_page(request, node, connector_type, values, err, typed=form)
    message = f"Port {created.name} created."
    if created.status == "needs_secrets":
        message += " It still needs its secrets before agents can use it."
    return redirect_to(request, f"/ports/{created.name}", message)


@router.post("/ports/{port}/check")
async def check_port(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    next_path: Annotated[str, Form(alias="next", max_length=200)] = "",
) -> RedirectResponse:
    """Run the connector's connection test; the result comes back as a message on the page."""
    back = next_path if safe_next(next_path) else f"/ports/{port}"
    checked = await execution.check_port(node, port, operator.actor)
    result = checked.last_check
    if result is not None and result.ok:
        return redirect_to(request, back, f"Connection check of {port} passed: {result.message}")
    message = result.message if result else "the connector gave no answer"
    return redirect_to(request, back, f"Connection check of {port} failed: {message}", "error")
