"""The policy decision for one call: every ``harbor_policy_check`` answer, combined; rate limits.

How the call pipeline uses it::

    evaluation = policy.evaluate(node, session, request)   # reads only
    policy.consume_rate_limit(session, evaluation)         # may raise RateLimited (429)
    ... act on evaluation.decision (deny / require_approval / allow) ...

**Combining.** The built-in rules (:mod:`harbor.plugins.rule_policy`) answer every call: the
first rule that applies, or the operator's default for the action's risk. Every other
plugin may answer too. The strictest effect wins, ``deny`` > ``require_approval`` >
``allow``; among answers with that effect the built-in one names the source, then the others
in hook order, and ``approvals_required`` is the largest any of them asked for. A plugin
whose hook raises or returns something that is not a decision counts as a ``deny`` from
that plugin (fail closed) and is logged; it never stops the other plugins from answering.

**Rate limits** belong to rules and are counted per rule, agent and action in fixed windows
of ``window_seconds`` aligned to the clock, in the database (one conditional upsert, so the
count holds across restarts and across workers on SQLite and PostgreSQL). Every call that
reaches policy and matches a rate-limited rule counts, whatever the combined decision —
denied calls and calls sent for approval too — as long as the window has room. A call over
the limit is refused with ``rate_limited`` (429, ``Retry-After``) and is not counted; a call
that is denied anyway keeps its ``policy_denied`` answer instead, since waiting would not
help it. Explaining a call never counts.
"""

from __future__ import annotations

import inspect
import logging
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from harbor.contracts import (
    PolicyDecision,
    PolicyExplainRequest,
    PolicyExplanation,
    PolicyRequest,
    RateLimit,
    Risk,
)
from harbor.errors import RateLimited
from harbor.runtime import actions, policy_rules
from harbor.runtime.ports import get_port
from harbor.store.policies import PolicyRateWindow, PolicyRule

if TYPE_CHECKING:
    from pluggy import HookImpl

    from harbor.node import Node

log = logging.getLogger("harbor.policy")

#: The plugin that holds the built-in rules; its answers keep their ``rule:``/``default:`` source.
RULE_PLUGIN = "harbor.plugins.rule_policy"
PRECEDENCE: dict[str, int] = {"allow": 0, "require_approval": 1, "deny": 2}

_evaluation_session: ContextVar[Session | None] = ContextVar("harbor_policy_session", default=None)


@dataclass(frozen=True)
class MatchedRule:
    """The built-in rule that applied to a call (whether or not its answer won)."""

    id: int
    name: str | None
    rate_limit: RateLimit | None


@dataclass(frozen=True)
class Evaluation:
    """The outcome of asking every policy about one call."""

    request: PolicyRequest
    decision: PolicyDecision
    answers: tuple[PolicyDecision, ...]
    rule: MatchedRule | None


@contextmanager
def rules_session(node: Node) -> Iterator[Session]:
    """The session of the evaluation in progress, or a new one outside an evaluation."""
    current = _evaluation_session.get()
    if current is not None:
        yield current
        return
    with node.store.session() as session:
        yield session


# --- deciding -------------------------------------------------------------------------------


def combine(answers: Sequence[PolicyDecision]) -> PolicyDecision:
    """The strictest answer: deny > require_approval > allow (``answers`` must not be empty)."""
    strictest = max(PRECEDENCE[a.effect] for a in answers)
    winners = [a for a in answers if PRECEDENCE[a.effect] == strictest]
    approvals = max(a.approvals_required for a in winners)
    return winners[0].model_copy(update={"approvals_required": approvals})


def evaluate(node: Node, session: Session, request: PolicyRequest) -> Evaluation:
    """Ask the built-in rules and every plugin about ``request`` and combine their answers.

    Reads only: nothing is written and no rate limit is counted.
    """
    token = _evaluation_session.set(session)
    try:
        answers = _collect_answers(node, request)
    finally:
        _evaluation_session.reset(token)
    if not answers:  # the built-in rules were unregistered and no plugin answered
        answers = [policy_rules.default_decision(session, request.risk)]
    return Evaluation(
        request=request,
        decision=combine(answers),
        answers=tuple(answers),
        rule=_matched_rule(session, answers),
    )


def decide(node: Node, session: Session, request: PolicyRequest) -> PolicyDecision:
    """The combined policy decision for ``request`` (no side effects)."""
    return evaluate(node, session, request).decision


def _collect_answers(node: Node, request: PolicyRequest) -> list[PolicyDecision]:
    builtin: list[PolicyDecision] = []
    others: list[PolicyDecision] = []
    impls = node.plugins.pm.hook.harbor_policy_check.get_hookimpls()
    for impl in reversed(impls):  # pluggy's own calling order
        if impl.hookwrapper or impl.wrapper:
            continue
        answer = _ask(impl, request, node)
        if answer is not None:
            (builtin if impl.plugin_name == RULE_PLUGIN else others).append(answer)
    return builtin + others


def _ask(impl: HookImpl, request: PolicyRequest, node: Node) -> PolicyDecision | None:
    name = impl.plugin_name
    try:
        answer = _call(impl, {"call": request, "node": node})
    except Exception as err:
        log.exception("policy plugin %s failed; its answer counts as deny", name)
        return PolicyDecision(
            effect="deny",
            source=f"plugin:{name}",
            reason=f"policy plugin {name} failed ({err.__class__.__name__}); denied to be safe",
        )
    if answer is None or name == RULE_PLUGIN:
        return answer
    own = answer.source
    source = f"plugin:{name}" if own in ("", f"plugin:{name}") else f"plugin:{name}/{own}"
    reason = answer.reason or f"policy plugin {name} answered {answer.effect}"
    return answer.model_copy(update={"source": source, "reason": reason})


def _call(impl: HookImpl, kwargs: dict[str, Any]) -> PolicyDecision | None:
    answer = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
    if inspect.iscoroutine(answer):
        answer.close()
        raise TypeError("harbor_policy_check must not be async")
    if isinstance(answer, dict):
        answer = PolicyDecision.model_validate(answer)
    if answer is not None and not isinstance(answer, PolicyDecision):
        raise TypeError(f"returned {type(answer).__name__}, not a PolicyDecision")
    return answer


def _matched_rule(session: Session, answers: Sequence[PolicyDecision]) -> MatchedRule | None:
    for answer in answers:
        kind, _, rule_id = answer.source.partition(":")
        if kind == "rule" and rule_id.isdigit():
            rule = session.get(PolicyRule, int(rule_id))
            if rule is None or rule.id is None:
                return None
            return MatchedRule(
                id=rule.id, name=rule.name, rate_limit=policy_rules.rule_public(rule).rate_limit
            )
    return None


# --- rate limits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimitStatus:
    """Where a rule's rate limit stands for one agent and action, in the current window."""

    limit: RateLimit
    used: int
    remaining: int
    retry_after: int | None


def window_start(now: float, window_seconds: int) -> int:
    """The start (epoch seconds) of the fixed window holding ``now``."""
    return int(now // window_seconds) * window_seconds


def _seconds_left(now: float, start: int, window_seconds: int) -> int:
    return max(1, math.ceil(start + window_seconds - now))


def consume_rate_limit(
    session: Session, evaluation: Evaluation, *, now: float | None = None
) -> None:
    """Count this call against its rule's rate limit; RateLimited when the window is full.

    Counted in ``session``'s transaction: commit it promptly (on PostgreSQL the counter row
    stays locked until then), and commit it for denied calls too.
    """
    rule, request = evaluation.rule, evaluation.request
    if rule is None or rule.rate_limit is None:
        return
    limit, moment = rule.rate_limit, time.time() if now is None else now
    start = window_start(moment, limit.window_seconds)
    used = _count_call(session, rule.id, request, start, limit.calls)
    if used == 1:  # a new window: the old ones of this key are history
        session.connection().execute(
            delete(PolicyRateWindow).where(
                PolicyRateWindow.rule_id == rule.id,  # type: ignore[arg-type]
                PolicyRateWindow.agent == request.agent,  # type: ignore[arg-type]
                PolicyRateWindow.action == request.action,  # type: ignore[arg-type]
                PolicyRateWindow.window_start < start,  # type: ignore[arg-type]
            )
        )
    if used is not None or evaluation.decision.effect == "deny":
        return
    wait = _seconds_left(moment, start, limit.window_seconds)
    raise RateLimited(
        f"rate limit reached: at most {limit.calls} calls per {limit.window_seconds} s for "
        f"agent '{request.agent}' on '{request.action}' (rule {rule.id}); retry in {wait} s",
        headers={"Retry-After": str(wait)},
        extra={"retry_after": wait, "rule": f"rule:{rule.id}"},
    )


def _count_call(
    session: Session, rule_id: int, request: PolicyRequest, start: int, limit: int
) -> int | None:
    """Add one call to the window unless it is full: the new count, or None when full."""
    table: Any = PolicyRateWindow.__table__  # type: ignore[attr-defined]
    agent, action = request.agent, request.action
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(table)
            .values(rule_id=rule_id, agent=agent, action=action, window_start=start, calls=1)
            .on_conflict_do_update(
                index_elements=["rule_id", "agent", "action", "window_start"],
                set_={"calls": table.c.calls + 1},
                where=table.c.calls < limit,
            )
            .returning(table.c.calls)
        )
        row = session.connection().execute(statement).first()
        return int(row[0]) if row is not None else None
    # Other databases: a row lock, then insert or bump (a concurrent first insert conflicts).
    window = session.get(PolicyRateWindow, (rule_id, agent, action, start))
    if window is None:
        session.add(
            PolicyRateWindow(
                rule_id=rule_id, agent=agent, action=action, window_start=start, calls=1
            )
        )
        session.flush()
        return 1
    session.refresh(window, with_for_update=True)
    if window.calls >= limit:
        return None
    window.calls += 1
    session.add(window)
    session.flush()
    return window.calls


def rate_limit_status(
    session: Session, evaluation: Evaluation, *, now: float | None = None
) -> RateLimitStatus | None:
    """The matched rule's rate limit for this agent and action now, without counting."""
    rule, request = evaluation.rule, evaluation.request
    if rule is None or rule.rate_limit is None:
        return None
    limit, moment = rule.rate_limit, time.time() if now is None else now
    start = window_start(moment, limit.window_seconds)
    window = session.get(PolicyRateWindow, (rule.id, request.agent, request.action, start))
    used = window.calls if window is not None else 0
    full = used >= limit.calls
    return RateLimitStatus(
        limit=limit,
        used=used,
        remaining=max(0, limit.calls - used),
        retry_after=_seconds_left(moment, start, limit.window_seconds) if full else None,
    )


# --- explain --------------------------------------------------------------------------------


def explain(node: Node, session: Session, body: PolicyExplainRequest) -> PolicyExplanation:
    """What policy would answer for a call of the published action, running nothing."""
    port_name, action_name = body.action.split(".", 1)
    port = get_port(session, port_name)
    action = actions.get_action(session, port, action_name)
    version = actions.get_version(session, action, action.current_version)
    risk: Risk = version.risk  # type: ignore[assignment]
    request = PolicyRequest(
        agent=body.agent,
        action=body.action,
        port=port_name,
        version=version.version,
        risk=risk,
        arguments=body.arguments,
    )
    evaluation = evaluate(node, session, request)
    decision, status = evaluation.decision, rate_limit_status(session, evaluation)
    blocked = status is not None and status.retry_after is not None and decision.effect != "deny"
    return PolicyExplanation(
        agent=body.agent,
        action=body.action,
        version=version.version,
        risk=risk,
        effect=decision.effect,
        source=decision.source,
        reason=decision.reason,
        approvals_required=decision.approvals_required,
        rule_id=evaluation.rule.id if evaluation.rule else None,
        rate_limit=status.limit if status else None,
        rate_limited=blocked,
        retry_after=status.retry_after if blocked and status else None,
        remaining=status.remaining if status else None,
        answers=list(evaluation.answers),
    )
