"""``/``: the node at a glance, and the pause-all switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.contracts import PauseState
from harbor.errors import HarborError
from harbor.runtime import pause
from harbor.runtime.overview import DECISIONS, OUTCOMES, node_overview, ports_to_reconnect
from harbor.ui.charts import hourly_chart
from harbor.ui.rendering import redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep

router = ui_router()


@router.get("/")
def overview(request: Request, node: NodeDep, _operator: OperatorDep) -> HTMLResponse:
    """Health, counts, pending approvals, calls of the last 24 hours, recent failures, and
    the ports that need reconnecting."""
    facts = node_overview(node)
    with node.store.read_session() as session:
        reconnect = ports_to_reconnect(session, node)
    return render(
        request,
        "overview/index.html",
        {
            "o": facts,
            "chart": hourly_chart(facts.activity),
            "outcomes": OUTCOMES,
            "decisions": DECISIONS,
            "reconnect": reconnect,
        },
    )


@router.post("/pause", response_model=None)
def pause_all(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Stop every call on the node until resumed."""
    try:
        with node.store.session(operator.actor) as session:
            pause.pause_node(session, operator.actor.name, reason.strip())
    except HarborError as err:
        return redirect_to(request, "/", err.detail, "error")
    return redirect_to(
        request, "/", "All calls are paused. Agents get 503 paused until you resume.", "warning"
    )


@router.post("/resume", response_model=None)
def resume_all(request: Request, node: NodeDep, operator: OperatorDep) -> RedirectResponse:
    """Let calls run again; approved calls held by the pause start."""
    try:
        with node.store.session(operator.actor) as session:
            state: PauseState = pause.resume_node(session)
    except HarborError as err:
        return redirect_to(request, "/", err.detail, "error")
    if node.dispatcher is not None and not state.paused:
        node.dispatcher.wake()
    return redirect_to(request, "/", "Calls run again.")
