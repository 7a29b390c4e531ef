"""Settings (``/settings``): operator state edited here, the Harbor Cloud license, and the
process configuration shown read-only with where each value came from, with a warning when
the node is reachable from the network.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.contracts import OperatorSettings, OperatorSettingsUpdate
from harbor.errors import HarborError, InvalidRequest
from harbor.node import Node
from harbor.runtime import node_config, state
from harbor.runtime.cloud.service import now_status
from harbor.ui.pages.schema_forms import build_model, split_lines
from harbor.ui.rendering import redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep

router = ui_router()
EFFECTS = [("allow", "allow"), ("require_approval", "require approval"), ("deny", "deny")]
Effect = Annotated[str, Form(max_length=20)]
Text = Annotated[str, Form(max_length=20_000)]


def _values(current: OperatorSettings) -> dict[str, Any]:
    return {
        "public_url": current.public_url or "",
        "approval_ttl_minutes": str(current.approval_ttl_seconds // 60),
        "read": current.default_effects.read,
        "write": current.default_effects.write,
        "destructive": current.default_effects.destructive,
        "trusted_dock_publishers": "\n".join(current.trusted_dock_publishers),
        "trusted_sources": "\n".join(current.trusted_sources),
        "unsigned_dock_sources": "\n".join(current.unsigned_dock_sources),
        "audit_retention_days": str(current.audit_retention_days or ""),
    }


def _page(
    request: Request,
    node: Node,
    values: dict[str, Any] | None = None,
    error: HarborError | None = None,
) -> HTMLResponse:
    if values is None:
        with node.store.read_session() as session:
            values = _values(state.get_operator_settings(session))
    context = {
        "values": values,
        "effects": EFFECTS,
        "process": node_config.process_config(node.settings),
        "cloud": now_status(node),
    }
    return render(
        request,
        "settings/index.html",
        context,
        status_code=error.status if error else 200,
        error=error,
    )


@router.get("/settings")
def settings_page(request: Request, node: NodeDep, operator: OperatorDep) -> HTMLResponse:
    """Operator state (editable) and process configuration (read-only)."""
    return _page(request, node)


def _whole(raw: str, label: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidRequest(f"{label} must be a whole number")
    return int(text)


@router.post("/settings", response_model=None)
def save_settings(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    read: Effect,
    write: Effect,
    destructive: Effect,
    approval_ttl_minutes: Annotated[str, Form(max_length=10)],
    public_url: Annotated[str, Form(max_length=2048)] = "",
    trusted_dock_publishers: Text = "",
    trusted_sources: Text = "",
    unsigned_dock_sources: Text = "",
    audit_retention_days: Annotated[str, Form(max_length=10)] = "",
) -> HTMLResponse | RedirectResponse:
    """Save the operator state; an empty public URL or retention resets it."""
    values = {
        "public_url": public_url,
        "approval_ttl_minutes": approval_ttl_minutes,
        "read": read,
        "write": write,
        "destructive": destructive,
        "trusted_dock_publishers": trusted_dock_publishers,
        "trusted_sources": trusted_sources,
        "unsigned_dock_sources": unsigned_dock_sources,
        "audit_retention_days": audit_retention_days,
    }
    try:
        minutes = _whole(approval_ttl_minutes, "the approval time") or 0
        if not 1 <= minutes <= 30 * 24 * 60:
            raise InvalidRequest("approvals must stay open between 1 minute and 30 days (43200)")
        # Sent as null, an emptied public URL or retention resets to its default.
        update = build_model(
            OperatorSettingsUpdate,
            {
                "public_url": public_url.strip() or None,
                "approval_ttl_seconds": minutes * 60,
                "default_effects": {"read": read, "write": write, "destructive": destructive},
                "trusted_dock_publishers": split_lines(trusted_dock_publishers),
                "trusted_sources": split_lines(trusted_sources),
                "unsigned_dock_sources": split_lines(unsigned_dock_sources),
                "audit_retention_days": _whole(audit_retention_days, "audit retention"),
            },
        )
        with node.store.session(operator.actor) as session:
            state.update_operator_settings(session, update)
    except HarborError as err:
        return _page(request, node, values, err)
    return redirect_to(request, "/settings", "Settings saved.")
