"""Policy rules: stored in order, managed by the operator, matched first-match against a call.

A rule applies to a call when every condition it sets holds: the agent (name or glob), the
qualified action (glob), the action's risk (one of ``risks``) and the arguments (valid
against ``arguments_schema``). The first enabled rule that applies decides; when none
does, the operator's default for the action's risk decides. This is the built-in answer
that :mod:`harbor.plugins.rule_policy` gives to ``harbor_policy_check``.
"""

from __future__ import annotations

import fnmatch
import json
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from harbor.contracts import (
    Effect,
    PolicyDecision,
    PolicyRequest,
    PolicyRuleCreate,
    PolicyRulePublic,
    PolicyRuleUpdate,
    ProblemError,
    RateLimit,
    Risk,
)
from harbor.errors import Conflict, InvalidRequest, NotFound
from harbor.runtime.audit import record_change
from harbor.runtime.schemas import pointer, schema_errors
from harbor.runtime.state import get_operator_settings
from harbor.store.policies import PolicyRule
from harbor.store.types import utcnow

#: Fields of a rule that may not be cleared with null in an update.
REQUIRED_FIELDS = ("description", "action", "risks", "effect", "approvals_required", "enabled")
#: An empty registry: references are resolved inside the rule's schema only, never fetched.
_NO_REMOTE_REFS: Registry[Any] = Registry()


# --- reading --------------------------------------------------------------------------------


def rule_public(rule: PolicyRule) -> PolicyRulePublic:
    """The public view of a stored rule."""
    assert rule.id is not None
    rate_limit = None
    if rule.rate_limit_calls is not None and rule.rate_limit_window_seconds is not None:
        rate_limit = RateLimit(
            calls=rule.rate_limit_calls, window_seconds=rule.rate_limit_window_seconds
        )
    return PolicyRulePublic.model_validate(
        {
            **rule.model_dump(exclude={"rate_limit_calls", "rate_limit_window_seconds"}),
            "rate_limit": rate_limit,
        }
    )


def ordered_rules(session: Session) -> list[PolicyRule]:
    """Every rule in evaluation order."""
    query = select(PolicyRule).order_by(col(PolicyRule.position), col(PolicyRule.id))
    return list(session.exec(query).all())


def get_rule(session: Session, rule_id: int) -> PolicyRule:
    """A rule by id, or NotFound."""
    rule = session.get(PolicyRule, rule_id)
    if rule is None:
        raise NotFound(f"no policy rule with id {rule_id}")
    return rule


def list_rules(session: Session) -> list[PolicyRulePublic]:
    """Every rule, in evaluation order."""
    return [rule_public(r) for r in ordered_rules(session)]


# --- changing -------------------------------------------------------------------------------


def remote_reference_errors(schema: Any, path: tuple[str, ...] = ()) -> list[ProblemError]:
    """``$ref``s that point outside the schema: rules never fetch schemas from anywhere."""
    found: list[ProblemError] = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            here = (*path, str(key))
            if key in ("$ref", "$dynamicRef") and not str(value).startswith("#"):
                found.append(
                    ProblemError(
                        pointer=pointer(here),
                        message="only references inside the schema ('#/...') are allowed",
                    )
                )
            else:
                found += remote_reference_errors(value, here)
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            found += remote_reference_errors(item, (*path, str(index)))
    return found


def check_arguments_schema(schema: dict[str, Any] | None) -> None:
    """Refuse a rule's arguments schema unless it is a valid, self-contained 2020-12 schema."""
    if schema is None:
        return
    errors = schema_errors(schema) or remote_reference_errors(schema)
    if not errors:
        try:  # catches a reference to a part of the schema that does not exist
            arguments_match(schema, {})
        except Exception as err:
            errors = [ProblemError(pointer="", message=f"cannot be evaluated: {err}")]
    if errors:
        located = [
            ProblemError(pointer="/arguments_schema" + e.pointer, message=e.message) for e in errors
        ]
        summary = "; ".join(f"{e.pointer}: {e.message}" for e in located[:3])
        raise InvalidRequest(
            f"arguments_schema is not a valid JSON Schema (2020-12): {summary}",
            status=422,
            extra={"errors": [e.model_dump() for e in located]},
        )


def _apply(rule: PolicyRule, fields: dict[str, Any]) -> None:
    if "rate_limit" in fields:
        limit = fields.pop("rate_limit")
        rule.rate_limit_calls = limit["calls"] if limit else None
        rule.rate_limit_window_seconds = limit["window_seconds"] if limit else None
    for key, value in fields.items():
        setattr(rule, key, value)
    rule.risks = list(dict.fromkeys(rule.risks))


def _flush_named(session: Session, rule: PolicyRule) -> None:
    if rule.name is not None:
        with session.no_autoflush:  # look before the changed rule is written
            same = session.exec(select(PolicyRule).where(PolicyRule.name == rule.name)).first()
        if same is not None and same is not rule:
            raise Conflict(f"a policy rule named '{rule.name}' already exists (id {same.id})")
    session.add(rule)
    try:
        session.flush()
    except IntegrityError as err:  # a concurrent change took the name first
        raise Conflict(f"a policy rule named '{rule.name}' already exists") from err


def _renumber(session: Session, rules: list[PolicyRule]) -> None:
    for position, rule in enumerate(rules, start=1):
        if rule.position != position:
            rule.position = position
            session.add(rule)
    session.flush()


def _summary(rule: PolicyRule) -> dict[str, Any]:
    """The rule as the audit log keeps it: every field but the timestamps."""
    return rule_public(rule).model_dump(mode="json", exclude={"created_at", "updated_at"})


def create_rule(session: Session, spec: PolicyRuleCreate) -> PolicyRulePublic:
    """Add a rule at ``spec.position`` (last when omitted)."""
    check_arguments_schema(spec.arguments_schema)
    existing = ordered_rules(session)
    rule = PolicyRule(position=len(existing) + 1, effect=spec.effect)
    _apply(rule, spec.model_dump(mode="json", exclude={"position"}))
    _flush_named(session, rule)
    index = len(existing) if spec.position is None else min(spec.position, len(existing) + 1) - 1
    _renumber(session, [*existing[:index], rule, *existing[index:]])
    record_change(session, "policy.created", f"policy:{rule.id}", details=_summary(rule))
    return rule_public(rule)


def update_rule(session: Session, rule_id: int, spec: PolicyRuleUpdate) -> PolicyRulePublic:
    """Change the fields the caller sent; null clears name, agent, schema or rate limit."""
    rule = get_rule(session, rule_id)
    fields = spec.model_dump(mode="json", exclude_unset=True)
    cleared = sorted(k for k in REQUIRED_FIELDS if k in fields and fields[k] is None)
    if cleared:
        raise InvalidRequest(
            f"{', '.join(cleared)} cannot be null; omit a field to keep its value",
            status=422,
            extra={"errors": [{"pointer": f"/{k}", "message": "may not be null"} for k in cleared]},
        )
    if "arguments_schema" in fields:
        check_arguments_schema(fields["arguments_schema"])
    _apply(rule, fields)
    rule.updated_at = utcnow()
    _flush_named(session, rule)
    record_change(
        session,
        "policy.updated",
        f"policy:{rule.id}",
        details={"changed": sorted(fields), "rule": _summary(rule)},
    )
    return rule_public(rule)


def delete_rule(session: Session, rule_id: int) -> None:
    """Delete a rule (and its rate-limit counters); the rules after it move up."""
    rule = get_rule(session, rule_id)
    summary = _summary(rule)
    session.delete(rule)
    session.flush()
    _renumber(session, ordered_rules(session))
    record_change(session, "policy.deleted", f"policy:{rule_id}", details=summary)


def reorder_rules(session: Session, ids: list[int]) -> list[PolicyRulePublic]:
    """Put the rules in the order of ``ids``, which must name every rule exactly once."""
    if len(set(ids)) != len(ids):
        raise InvalidRequest("the order names a rule more than once", status=422)
    rules = {r.id: r for r in ordered_rules(session) if r.id is not None}
    if set(ids) != set(rules):
        missing, unknown = sorted(set(rules) - set(ids)), sorted(set(ids) - set(rules))
        raise Conflict(
            "the order must name every rule exactly once "
            f"(missing: {missing or 'none'}, unknown: {unknown or 'none'}); "
            "list the rules again and retry"
        )
    before = list(rules)
    _renumber(session, [rules[i] for i in ids])
    record_change(session, "policy.reordered", "policy:order", details={"from": before, "to": ids})
    return list_rules(session)


def move_rule(session: Session, rule_id: int, position: int) -> list[PolicyRulePublic]:
    """Move one rule to the 1-based ``position`` (last when past the end); the rest keep order."""
    rule = get_rule(session, rule_id)
    others = [r.id for r in ordered_rules(session) if r.id is not None and r.id != rule.id]
    index = min(position, len(others) + 1) - 1
    return reorder_rules(session, [*others[:index], rule_id, *others[index:]])


# --- matching -------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), registry=_NO_REMOTE_REFS)


def arguments_match(schema: dict[str, Any], arguments: dict[str, Any]) -> bool:
    """Whether ``arguments`` are valid against a rule's schema (raises if it cannot tell)."""
    return _validator(json.dumps(schema, sort_keys=True)).is_valid(arguments)


def rule_applies(rule: PolicyRule, call: PolicyRequest) -> bool:
    """Whether every condition ``rule`` sets holds for ``call``."""
    if not rule.enabled:
        return False
    if rule.agent is not None and not fnmatch.fnmatchcase(call.agent, rule.agent):
        return False
    if not fnmatch.fnmatchcase(call.action, rule.action):
        return False
    if rule.risks and call.risk not in rule.risks:
        return False
    return rule.arguments_schema is None or arguments_match(rule.arguments_schema, call.arguments)


def rule_label(rule: PolicyRule) -> str:
    """``rule 3 (small-payments)`` for reasons and messages."""
    return f"rule {rule.id}" + (f" ({rule.name})" if rule.name else "")


def default_decision(session: Session, risk: Risk) -> PolicyDecision:
    """The operator's default for actions of ``risk``, used when no rule applies."""
    effect: Effect = getattr(get_operator_settings(session).default_effects, risk)
    return PolicyDecision(
        effect=effect,
        source=f"default:{risk}",
        reason=f"no rule matched; the default for {risk} actions is {effect}",
    )


def rule_decision(session: Session, call: PolicyRequest) -> PolicyDecision:
    """The built-in answer: the first rule that applies, else the default for the risk."""
    for rule in ordered_rules(session):
        try:
            applies = rule_applies(rule, call)
        except Exception as err:  # a schema that cannot be evaluated: fail closed
            return PolicyDecision(
                effect="deny",
                source=f"rule:{rule.id}",
                reason=f"{rule_label(rule)} could not be evaluated "
                f"({err.__class__.__name__}); denied to be safe",
            )
        if applies:
            effect: Effect = rule.effect  # type: ignore[assignment]
            what = rule.description or f"{rule.action} -> {effect}"
            return PolicyDecision(
                effect=effect,
                source=f"rule:{rule.id}",
                reason=f"{rule_label(rule)} matched: {what}",
                approvals_required=rule.approvals_required if effect == "require_approval" else 1,
            )
    return default_decision(session, call.risk)
