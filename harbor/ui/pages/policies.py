"""Policies (``/policies``): the ordered rules (create, edit, move, enable, delete) and the
"explain" form that says what would happen if an agent called an action with arguments.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from harbor.contracts import (
    PolicyExplainRequest,
    PolicyExplanation,
    PolicyRuleCreate,
    PolicyRulePublic,
    PolicyRuleUpdate,
)
from harbor.errors import HarborError, InvalidRequest
from harbor.node import Node
from harbor.runtime import actions, identity, policy, policy_rules, ports
from harbor.ui.pages.schema_forms import build_model, parse_json_object
from harbor.ui.rendering import pretty_json, redirect_to, render
from harbor.ui.routing import ui_router
from harbor.ui.sessions import NodeDep, OperatorDep

router = ui_router()
EFFECTS = [
    ("allow", "allow: run it"),
    ("require_approval", "require approval: ask me first"),
    ("deny", "deny: refuse it"),
]
RISKS = ("read", "write", "destructive")


def _choices(node: Node) -> tuple[list[str], list[str]]:
    """Agent names and published actions, offered as suggestions in the forms."""
    with node.store.read_session() as session:
        agents = [a.name for a in identity.list_agents(session) if a.revoked_at is None]
        names = [
            a.qualified_name
            for p in ports.list_ports(session, node)
            for a in actions.list_actions(session, p.name)
        ]
    return agents, names


def _page(
    request: Request,
    node: Node,
    *,
    error: HarborError | None = None,
    values: dict[str, Any] | None = None,
    explained: PolicyExplanation | None = None,
    question: dict[str, str] | None = None,
) -> HTMLResponse:
    with node.store.read_session() as session:
        rules = policy_rules.list_rules(session)
        defaults = policy_rules.default_decision
        effects = {risk: defaults(session, risk).effect for risk in RISKS}  # type: ignore[arg-type]
    agents, action_names = _choices(node)
    context = {
        "rules": rules,
        "defaults": effects,
        "effects": EFFECTS,
        "risks": RISKS,
        "values": values or {"effect": "require_approval", "action": "*.*"},
        "agents": agents,
        "action_names": action_names,
        "explained": explained,
        "question": question or {},
    }
    status = error.status if error else 200
    return render(request, "policies/index.html", context, status_code=status, error=error)


def _rule_fields(form: FormData) -> dict[str, Any]:
    """The rule form as the fields of PolicyRuleCreate/Update (empty optional ones as None)."""
    text = {
        key: str(form.get(key, "")).strip()
        for key in ("name", "agent", "action", "effect", "description")
    }
    calls, window = (
        str(form.get("rate_calls", "")).strip(),
        str(form.get("rate_window", "")).strip(),
    )
    if bool(calls) != bool(window):
        raise InvalidRequest(
            "a rate limit needs both the number of calls and the window in seconds"
        )
    schema_text = str(form.get("arguments_schema", "")).strip()
    return {
        "name": text["name"] or None,
        "agent": text["agent"] or None,
        "action": text["action"] or "*.*",
        "effect": text["effect"],
        "description": text["description"],
        "risks": [r for r in form.getlist("risks") if isinstance(r, str)],
        "arguments_schema": parse_json_object(schema_text, "The arguments schema")
        if schema_text
        else None,
        "approvals_required": str(form.get("approvals_required", "1")).strip() or "1",
        "rate_limit": {"calls": calls, "window_seconds": window} if calls else None,
        "enabled": form.get("enabled") is not None,
    }


def _form_values(form: FormData) -> dict[str, Any]:
    """What the operator typed, to fill the form again after an error."""
    values: dict[str, Any] = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    values["risks"] = form.getlist("risks")
    values["enabled"] = form.get("enabled")
    return values


@router.get("/policies")
def policies_page(request: Request, node: NodeDep, operator: OperatorDep) -> HTMLResponse:
    """The rules in evaluation order, the defaults by risk, a new-rule form and explain."""
    return _page(request, node)


@router.post("/policies", response_model=None)
async def create_rule(
    request: Request, node: NodeDep, operator: OperatorDep
) -> HTMLResponse | RedirectResponse:
    """Add a rule (last, or at the position given)."""
    form = await request.form()
    try:
        fields = _rule_fields(form)
        position = str(form.get("position", "")).strip()
        spec = build_model(PolicyRuleCreate, {**fields, "position": position or None})
        with node.store.session(operator.actor) as session:
            created = policy_rules.create_rule(session, spec)
    except HarborError as err:
        return _page(request, node, error=err, values=_form_values(form))
    return redirect_to(
        request, "/policies", f"Rule {created.id} added at position {created.position}."
    )


@router.get("/policies/explain")
def explain(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    agent: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    arguments: Annotated[str, Query(max_length=20_000)] = "{}",
) -> HTMLResponse:
    """What policy would answer if ``agent`` called ``action`` with ``arguments`` (runs nothing)."""
    question = {"agent": agent, "action": action, "arguments": arguments}
    try:
        body = build_model(
            PolicyExplainRequest,
            {
                "agent": agent.strip(),
                "action": action.strip(),
                "arguments": parse_json_object(arguments, "The arguments"),
            },
        )
        with node.store.read_session() as session:
            answer = policy.explain(node, session, body)
    except HarborError as err:
        return _page(request, node, error=err, question=question)
    return _page(request, node, explained=answer, question=question)


def _rule(node: Node, rule_id: int) -> PolicyRulePublic:
    with node.store.read_session() as session:
        return policy_rules.rule_public(policy_rules.get_rule(session, rule_id))


def _rule_values(rule: PolicyRulePublic) -> dict[str, Any]:
    return {
        "name": rule.name or "",
        "agent": rule.agent or "",
        "action": rule.action,
        "effect": rule.effect,
        "description": rule.description,
        "risks": list(rule.risks),
        "arguments_schema": pretty_json(rule.arguments_schema) if rule.arguments_schema else "",
        "approvals_required": str(rule.approvals_required),
        "rate_calls": str(rule.rate_limit.calls) if rule.rate_limit else "",
        "rate_window": str(rule.rate_limit.window_seconds) if rule.rate_limit else "",
        "enabled": "1" if rule.enabled else None,
    }


def _edit_page(
    request: Request,
    node: Node,
    rule_id: int,
    values: dict[str, Any] | None = None,
    error: HarborError | None = None,
) -> HTMLResponse:
    rule = _rule(node, rule_id)
    agents, action_names = _choices(node)
    context = {
        "rule": rule,
        "values": values or _rule_values(rule),
        "effects": EFFECTS,
        "risks": RISKS,
        "agents": agents,
        "action_names": action_names,
    }
    return render(
        request,
        "policies/edit.html",
        context,
        status_code=error.status if error else 200,
        error=error,
    )


@router.get("/policies/{rule_id}")
def edit_rule_page(
    request: Request, node: NodeDep, operator: OperatorDep, rule_id: int
) -> HTMLResponse:
    """One rule's form."""
    return _edit_page(request, node, rule_id)


@router.post("/policies/{rule_id}", response_model=None)
async def update_rule(
    request: Request, node: NodeDep, operator: OperatorDep, rule_id: int
) -> HTMLResponse | RedirectResponse:
    """Save the rule's fields (empty optional fields clear them)."""
    form = await request.form()
    try:
        update = build_model(PolicyRuleUpdate, _rule_fields(form))
        with node.store.session(operator.actor) as session:
            policy_rules.update_rule(session, rule_id, update)
    except HarborError as err:
        return _edit_page(request, node, rule_id, _form_values(form), err)
    return redirect_to(request, "/policies", f"Rule {rule_id} saved.")


def _rule_change(
    request: Request, node: Node, operator: Any, change: Any, done: str
) -> HTMLResponse | RedirectResponse:
    try:
        with node.store.session(operator.actor) as session:
            change(session)
    except HarborError as err:
        return _page(request, node, error=err)
    return redirect_to(request, "/policies", done)


@router.post("/policies/{rule_id}/move", response_model=None)
def move_rule(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    rule_id: int,
    position: Annotated[int, Form(ge=1, le=1_000_000)],
) -> HTMLResponse | RedirectResponse:
    """Move one rule to a new place; the others keep their order."""
    return _rule_change(
        request, node, operator, lambda s: policy_rules.move_rule(s, rule_id, position),
        f"Rule {rule_id} moved to position {position}.",
    )  # fmt: skip


@router.post("/policies/{rule_id}/enabled", response_model=None)
def set_rule_enabled(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    rule_id: int,
    enabled: Annotated[bool, Form()],
) -> HTMLResponse | RedirectResponse:
    """Switch a rule on or off without deleting it."""
    update = PolicyRuleUpdate(enabled=enabled)
    return _rule_change(
        request, node, operator, lambda s: policy_rules.update_rule(s, rule_id, update),
        f"Rule {rule_id} {'enabled' if enabled else 'disabled'}.",
    )  # fmt: skip


@router.post("/policies/{rule_id}/delete", response_model=None)
def delete_rule(
    request: Request, node: NodeDep, operator: OperatorDep, rule_id: int
) -> HTMLResponse | RedirectResponse:
    """Delete a rule; the rules after it move up."""
    return _rule_change(
        request,
        node,
        operator,
        lambda s: policy_rules.delete_rule(s, rule_id),
        f"Rule {rule_id} deleted.",
    )
