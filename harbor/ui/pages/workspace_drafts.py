"""Drafts in the port workspace: new draft, edit, validate -> test -> publish, or reject.

Each step's result (validation errors, the test's result or error) is stored on the draft by
the runtime and shown on the draft's page, ``/ports/{port}/drafts/{id}``.
"""

from __future__ import annotations

import inspect
import json
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.contracts import (
    ACTION_NAME_PATTERN,
    ConnectorInfo,
    DraftCreate,
    DraftPublic,
    DraftUpdate,
)
from harbor.errors import HarborError, NotFound
from harbor.node import Node
from harbor.runtime import actions, connectors, drafts, ports
from harbor.ui.pages.schema_forms import build_model, parse_json_object
from harbor.ui.rendering import redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep

router = ui_router()
NEW_DRAFT = "_new"
EMPTY_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {},
    "additionalProperties": False,
}
RISKS = [
    ("read", "read: only looks"),
    ("write", "write: changes something"),
    ("destructive", "destructive: deletes or cannot be undone"),
]


def _connector_of(node: Node, port: str) -> ConnectorInfo:
    with node.store.read_session() as session:
        connector_type = ports.get_port(session, port).connector
    return connectors.connector_info(node, connectors.get_connector(node, connector_type))


def _new_draft_values(node: Node, port: str, action: str | None) -> dict[str, Any]:
    """The form's starting values: the action's current version when drafting a new version."""
    if not action:
        return {
            "action": "",
            "description": "",
            "risk": "write",
            "input_schema": EMPTY_INPUT_SCHEMA,
            "definition": {},
        }
    with node.store.read_session() as session:
        current = actions.read_action(session, port, action).current
    return {
        "action": action,
        "kind": current.kind,
        "description": current.description,
        "risk": current.risk,
        "input_schema": current.input_schema,
        "definition": current.definition,
    }


def _new_draft_page(
    request: Request,
    node: Node,
    port: str,
    values: dict[str, Any],
    error: HarborError | None = None,
) -> HTMLResponse:
    context = {
        "port": port,
        "connector": _connector_of(node, port),
        "values": values,
        "risks": RISKS,
        "action_pattern": ACTION_NAME_PATTERN,
    }
    return render(
        request,
        "workspace/new_draft.html",
        context,
        status_code=error.status if error else 200,
        error=error,
    )


@router.get(f"/ports/{{port}}/drafts/{NEW_DRAFT}")
def new_draft_page(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    action: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    """A new action, or (with ``?action=``) the next version of one, starting from its current."""
    return _new_draft_page(request, node, port, _new_draft_values(node, port, action))


@router.post(f"/ports/{{port}}/drafts/{NEW_DRAFT}", response_model=None)
def create_draft(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    action: Annotated[str, Form(max_length=100)],
    kind: Annotated[str, Form(max_length=64)],
    risk: Annotated[str, Form(max_length=20)],
    input_schema: Annotated[str, Form(max_length=200_000)],
    definition: Annotated[str, Form(max_length=200_000)],
    description: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse | RedirectResponse:
    """Start a draft; it is validated, tested and published from its own page."""
    values: dict[str, Any] = {
        "action": action.strip(),
        "kind": kind,
        "risk": risk,
        "description": description.strip(),
        "input_schema": input_schema,
        "definition": definition,
    }
    try:
        spec = build_model(
            DraftCreate,
            {
                **values,
                "input_schema": parse_json_object(input_schema, "The input schema"),
                "definition": parse_json_object(definition, "The definition"),
            },
        )
        with node.store.session(operator.actor) as session:
            created = drafts.create_draft(session, port, spec)
    except HarborError as err:
        return _new_draft_page(request, node, port, values, err)
    return redirect_to(
        request,
        f"/ports/{port}/drafts/{created.id}",
        f"Draft of {port}.{created.action} saved. Validate it next.",
    )


# --- one draft ---------------------------------------------------------------------------------


def _read(node: Node, port: str, draft_id: int) -> DraftPublic:
    with node.store.read_session() as session:
        draft = drafts.read_draft(session, draft_id)
    if draft.port != port:
        raise NotFound(f"port '{port}' has no draft {draft_id}")
    return draft


def _draft_page(
    request: Request,
    node: Node,
    port: str,
    draft_id: int,
    error: HarborError | None = None,
    sample: str | None = None,
) -> HTMLResponse:
    draft = _read(node, port, draft_id)
    if sample is None:
        sample = (
            _pretty(draft.test.arguments) if draft.test else _sample_arguments(draft.input_schema)
        )
    context = {"draft": draft, "port": port, "risks": RISKS, "sample": sample}
    return render(
        request,
        "workspace/draft.html",
        context,
        status_code=error.status if error else 200,
        error=error,
    )


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _sample_arguments(schema: dict[str, Any]) -> str:
    """A starting point for the test's arguments: each property with an example of its type."""
    examples = {
        "string": "",
        "integer": 0,
        "number": 0,
        "boolean": False,
        "array": [],
        "object": {},
    }
    properties = schema.get("properties") or {}
    required = set(schema.get("required", []))
    sample = {
        name: prop.get("default", examples.get(str(prop.get("type"))))
        for name, prop in properties.items()
        if name in required or not required
    }
    return _pretty(sample)


@router.get("/ports/{port}/drafts/{draft_id}")
def draft_page(
    request: Request, node: NodeDep, operator: OperatorDep, port: str, draft_id: int
) -> HTMLResponse:
    """One draft: its definition, validation, test and the next step."""
    return _draft_page(request, node, port, draft_id)


async def _step(
    request: Request,
    node: Node,
    port: str,
    draft_id: int,
    run: Any,
    done: str,
    sample: str | None = None,
) -> HTMLResponse | RedirectResponse:
    """Run one lifecycle step; back to the draft with ``done``, or the page with the error."""
    try:
        await run_in_threadpool(_read, node, port, draft_id)
        if inspect.iscoroutinefunction(run):
            await run()
        else:
            await run_in_threadpool(run)
    except HarborError as err:
        return await run_in_threadpool(_draft_page, request, node, port, draft_id, err, sample)
    return redirect_to(request, f"/ports/{port}/drafts/{draft_id}", done)


@router.post("/ports/{port}/drafts/{draft_id}/edit", response_model=None)
async def edit_draft(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    draft_id: int,
    risk: Annotated[str, Form(max_length=20)],
    input_schema: Annotated[str, Form(max_length=200_000)],
    definition: Annotated[str, Form(max_length=200_000)],
    description: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse | RedirectResponse:
    """Change the draft; it goes back to ``draft`` and must be validated again."""

    def run() -> Any:
        update = build_model(
            DraftUpdate,
            {
                "description": description.strip(),
                "risk": risk,
                "input_schema": parse_json_object(input_schema, "The input schema"),
                "definition": parse_json_object(definition, "The definition"),
            },
        )
        with node.store.session(operator.actor) as session:
            return drafts.update_draft(session, draft_id, update)

    return await _step(request, node, port, draft_id, run, "Draft saved. Validate it again.")


@router.post("/ports/{port}/drafts/{draft_id}/validate", response_model=None)
async def validate_draft(
    request: Request, node: NodeDep, operator: OperatorDep, port: str, draft_id: int
) -> HTMLResponse | RedirectResponse:
    """Check the definition, input schema and name; the report is shown on the draft."""
    outcome: list[DraftPublic] = []

    def run() -> Any:
        with node.store.session(operator.actor) as session:
            outcome.append(drafts.validate_draft(session, node, draft_id))

    response = await _step(request, node, port, draft_id, run, "")
    if isinstance(response, RedirectResponse) and outcome:
        ok = outcome[0].validation is not None and outcome[0].validation.ok
        message = (
            "Validation passed. Test it with sample arguments next."
            if ok
            else "Validation found problems; see below."
        )
        return redirect_to(
            request, f"/ports/{port}/drafts/{draft_id}", message, "success" if ok else "error"
        )
    return response


@router.post("/ports/{port}/drafts/{draft_id}/test", response_model=None)
async def run_test(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    draft_id: int,
    arguments: Annotated[str, Form(max_length=200_000)] = "{}",
) -> HTMLResponse | RedirectResponse:
    """Run the draft once against the real port; the result or error is kept on the draft."""
    outcome: list[DraftPublic] = []

    async def run() -> None:
        sample = parse_json_object(arguments, "The test arguments")
        outcome.append(await drafts.run_draft_test(node, draft_id, sample, operator.actor))

    response = await _step(request, node, port, draft_id, run, "", sample=arguments)
    if isinstance(response, RedirectResponse) and outcome:
        ok = outcome[0].test is not None and outcome[0].test.ok
        message = (
            "The test run succeeded. Publish when the result looks right."
            if ok
            else "The test run failed; see the error below."
        )
        return redirect_to(
            request, f"/ports/{port}/drafts/{draft_id}", message, "success" if ok else "error"
        )
    return response


@router.post("/ports/{port}/drafts/{draft_id}/publish", response_model=None)
async def publish_draft(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    draft_id: int,
    force: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    """Publish as the action's next immutable version."""
    outcome: list[DraftPublic] = []

    def run() -> None:
        with node.store.session(operator.actor) as session:
            outcome.append(drafts.publish_draft(session, draft_id, force))

    response = await _step(request, node, port, draft_id, run, "")
    if isinstance(response, RedirectResponse) and outcome:
        published = outcome[0]
        message = (
            f"Published {port}.{published.action} version {published.published_version}. "
            "Agents whose scopes allow it can call it now."
        )
        return redirect_to(request, f"/ports/{port}#actions", message)
    return response


@router.post("/ports/{port}/drafts/{draft_id}/reject", response_model=None)
async def reject_draft(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    draft_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse | RedirectResponse:
    """Reject the draft with a reason; it is kept for the record."""

    def run() -> None:
        with node.store.session(operator.actor) as session:
            drafts.reject_draft(session, draft_id, reason.strip() or "rejected in the console")

    return await _step(request, node, port, draft_id, run, "Draft rejected.")
