"""``/api/v1/policies``: the ordered policy rules, their order, and explaining a decision."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from harbor.api.access import operator_role
from harbor.api.deps import ActorDep, NodeDep, RowId
from harbor.contracts import (
    PolicyExplainRequest,
    PolicyExplanation,
    PolicyRuleCreate,
    PolicyRuleMove,
    PolicyRuleOrder,
    PolicyRulePublic,
    PolicyRuleUpdate,
    Problem,
)
from harbor.runtime import policy, policy_rules

router = APIRouter(prefix="/policies", tags=["policies"])
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": Problem, "description": "Conflict"}}
NO_ACTION: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such published action"}
}


@router.get("", response_model=list[PolicyRulePublic])
def list_rules(node: NodeDep) -> list[PolicyRulePublic]:
    """Every rule, in evaluation order (the first that applies decides)."""
    with node.store.session() as session:
        return policy_rules.list_rules(session)


@router.post(
    "",
    response_model=PolicyRulePublic,
    status_code=status.HTTP_201_CREATED,
    responses=CONFLICT,
)
def create_rule(body: PolicyRuleCreate, node: NodeDep, actor: ActorDep) -> PolicyRulePublic:
    """Add a rule, last or at ``position``; its arguments schema is checked first."""
    with node.store.session(actor) as session:
        return policy_rules.create_rule(session, body)


@router.put("/order", response_model=list[PolicyRulePublic], responses=CONFLICT)
def reorder_rules(body: PolicyRuleOrder, node: NodeDep, actor: ActorDep) -> list[PolicyRulePublic]:
    """Set the evaluation order: every rule id exactly once, first rule first."""
    with node.store.session(actor) as session:
        return policy_rules.reorder_rules(session, body.ids)


@router.post("/{rule_id}/move", response_model=list[PolicyRulePublic])
def move_rule(
    rule_id: RowId, body: PolicyRuleMove, node: NodeDep, actor: ActorDep
) -> list[PolicyRulePublic]:
    """Move one rule to ``position``; the other rules keep their relative order."""
    with node.store.session(actor) as session:
        return policy_rules.move_rule(session, rule_id, body.position)


@router.post(
    "/explain",
    response_model=PolicyExplanation,
    responses=NO_ACTION,
    openapi_extra=operator_role("viewer"),
)
def explain(body: PolicyExplainRequest, node: NodeDep) -> PolicyExplanation:
    """What policy would answer for this call; runs nothing and counts no rate limit."""
    with node.store.session() as session:
        return policy.explain(node, session, body)


@router.get("/{rule_id}", response_model=PolicyRulePublic)
def read_rule(rule_id: RowId, node: NodeDep) -> PolicyRulePublic:
    """One rule."""
    with node.store.session() as session:
        return policy_rules.rule_public(policy_rules.get_rule(session, rule_id))


@router.patch("/{rule_id}", response_model=PolicyRulePublic, responses=CONFLICT)
def update_rule(
    rule_id: RowId, body: PolicyRuleUpdate, node: NodeDep, actor: ActorDep
) -> PolicyRulePublic:
    """Change some fields of a rule; null clears name, agent, arguments schema or rate limit."""
    with node.store.session(actor) as session:
        return policy_rules.update_rule(session, rule_id, body)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: RowId, node: NodeDep, actor: ActorDep) -> None:
    """Delete a rule; the rules after it move up."""
    with node.store.session(actor) as session:
        policy_rules.delete_rule(session, rule_id)
