"""The policy engine: first-match rules, defaults by risk, plugin answers, rate limits."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlmodel import select

from harbor.connector import hookimpl
from harbor.contracts import (
    DefaultEffects,
    OperatorSettingsUpdate,
    PolicyDecision,
    PolicyRequest,
    PolicyRuleCreate,
    PolicyRuleUpdate,
)
from harbor.errors import RateLimited
from harbor.node import Node
from harbor.plugin_manager import PluginManager
from harbor.runtime import policy, policy_rules, state
from harbor.store.policies import PolicyRateWindow

NOW = 1_800_000_000.0  # a fixed moment at the start of an hour, so windows are predictable


def add_rule(node: Node, **spec) -> int:
    """Store a rule through the runtime and return its id."""
    with node.store.session() as session:
        return policy_rules.create_rule(session, PolicyRuleCreate(**spec)).id


def call(**changes) -> PolicyRequest:
    """A write call of ``bot`` on ``pay.send``, with ``changes`` applied."""
    fields = {
        "agent": "bot",
        "action": "pay.send",
        "port": "pay",
        "version": 1,
        "risk": "write",
        "arguments": {},
    }
    fields.update(changes)
    return PolicyRequest(**fields)


def decide(node: Node, request: PolicyRequest) -> PolicyDecision:
    with node.store.session() as session:
        return policy.decide(node, session, request)


def consume(node: Node, request: PolicyRequest, now: float = NOW) -> policy.Evaluation:
    """Evaluate and count one call in its own transaction, as the call pipeline does."""
    with node.store.session() as session:
        evaluation = policy.evaluate(node, session, request)
        policy.consume_rate_limit(session, evaluation, now=now)
        return evaluation


class FixedAnswer:
    """A policy plugin that answers the same for every call of ``action``."""

    def __init__(self, effect: str, action: str = "pay.send", approvals: int = 1) -> None:
        self.effect, self.action, self.approvals = effect, action, approvals

    @hookimpl
    def harbor_policy_check(self, call):
        if call.action != self.action:
            return None
        return PolicyDecision(effect=self.effect, reason="fixed", approvals_required=self.approvals)


class Broken:
    """A policy plugin whose hook raises."""

    @hookimpl
    def harbor_policy_check(self, call, node):
        raise RuntimeError("the policy service is down")


# --- rules --------------------------------------------------------------------------------


def test_the_first_matching_rule_decides_in_order(harbor_node):
    allow = add_rule(harbor_node, action="pay.*", effect="allow")
    deny = add_rule(harbor_node, action="*.*", effect="deny")
    decision = decide(harbor_node, call())
    assert (decision.effect, decision.source) == ("allow", f"rule:{allow}")
    with harbor_node.store.session() as session:
        policy_rules.reorder_rules(session, [deny, allow])
    assert decide(harbor_node, call()).source == f"rule:{deny}"


def test_a_rule_inserted_at_a_position_goes_before_the_others(harbor_node):
    add_rule(harbor_node, effect="allow")
    first = add_rule(harbor_node, effect="deny", position=1)
    assert decide(harbor_node, call()).source == f"rule:{first}"


def test_agent_by_name_and_by_glob(harbor_node):
    by_glob = add_rule(harbor_node, agent="ci-*", effect="deny")
    by_name = add_rule(harbor_node, agent="alice", effect="allow")
    assert decide(harbor_node, call(agent="ci-nightly")).source == f"rule:{by_glob}"
    assert decide(harbor_node, call(agent="alice")).source == f"rule:{by_name}"
    assert decide(harbor_node, call(agent="bob")).source == "default:write"


def test_action_glob_over_qualified_names(harbor_node):
    rule = add_rule(harbor_node, action="github-*.list_*", effect="allow")
    listing = call(action="github-work.list_issues", port="github-work")
    assert decide(harbor_node, listing).source == f"rule:{rule}"
    creating = call(action="github-work.create_issue", port="github-work")
    assert decide(harbor_node, creating).effect == "require_approval"


def test_risk_matches_one_of_several(harbor_node):
    rule = add_rule(harbor_node, risks=["write", "destructive"], effect="require_approval")
    assert decide(harbor_node, call(risk="destructive")).source == f"rule:{rule}"
    assert decide(harbor_node, call(risk="write")).source == f"rule:{rule}"
    assert decide(harbor_node, call(risk="read")).source == "default:read"


def test_arguments_must_match_the_rules_json_schema(harbor_node):
    small = add_rule(
        harbor_node,
        name="small-payments",
        arguments_schema={
            "type": "object",
            "properties": {"amount": {"type": "number", "exclusiveMaximum": 100}},
            "required": ["amount"],
        },
        effect="allow",
    )
    repos = add_rule(
        harbor_node,
        arguments_schema={"properties": {"repo": {"enum": ["acme/site", "acme/docs"]}}},
        action="gh.*",
        effect="allow",
    )
    decision = decide(harbor_node, call(arguments={"amount": 99.5}))
    assert (decision.source, decision.effect) == (f"rule:{small}", "allow")
    assert "small-payments" in decision.reason
    assert decide(harbor_node, call(arguments={"amount": 100})).source == "default:write"
    assert decide(harbor_node, call(arguments={})).source == "default:write"
    in_list = call(action="gh.merge", port="gh", arguments={"repo": "acme/docs"})
    assert decide(harbor_node, in_list).source == f"rule:{repos}"
    elsewhere = call(action="gh.merge", port="gh", arguments={"repo": "evil/repo"})
    assert decide(harbor_node, elsewhere).source == "default:write"


def test_a_rule_whose_schema_cannot_be_evaluated_denies(harbor_node):
    rule = add_rule(
        harbor_node,
        arguments_schema={"properties": {"x": {"$ref": "#/$defs/missing"}}},
        effect="allow",
    )
    decision = decide(harbor_node, call(arguments={"x": 1}))
    assert (decision.effect, decision.source) == ("deny", f"rule:{rule}")


def test_disabled_rules_are_skipped(harbor_node):
    rule = add_rule(harbor_node, effect="deny")
    with harbor_node.store.session() as session:
        policy_rules.update_rule(session, rule, PolicyRuleUpdate(enabled=False))
    assert decide(harbor_node, call()).source == "default:write"


def test_require_approval_carries_the_number_of_approvers(harbor_node):
    add_rule(harbor_node, effect="require_approval", approvals_required=2)
    assert decide(harbor_node, call()).approvals_required == 2


# --- defaults -----------------------------------------------------------------------------


def test_defaults_by_risk_come_from_operator_state(harbor_node):
    expected = {"read": "allow", "write": "require_approval", "destructive": "deny"}
    for risk, effect in expected.items():
        decision = decide(harbor_node, call(risk=risk))
        assert (decision.effect, decision.source) == (effect, f"default:{risk}")
    with harbor_node.store.session() as session:
        update = OperatorSettingsUpdate(default_effects=DefaultEffects(write="deny"))
        state.update_operator_settings(session, update)
    assert decide(harbor_node, call(risk="write")).effect == "deny"


# --- plugins ------------------------------------------------------------------------------


def test_the_rule_policy_is_a_default_plugin(harbor_node):
    assert harbor_node.plugins.records[policy.RULE_PLUGIN].builtin


@pytest.mark.parametrize(
    ("rule_effect", "plugin_effect", "expected", "winner"),
    [
        ("allow", "require_approval", "require_approval", "plugin"),
        ("allow", "deny", "deny", "plugin"),
        ("require_approval", "allow", "require_approval", "rule"),
        ("deny", "require_approval", "deny", "rule"),
        ("allow", "allow", "allow", "rule"),
    ],
)
def test_answers_combine_deny_over_approval_over_allow(
    harbor_node, register_plugin, rule_effect, plugin_effect, expected, winner
):
    rule = add_rule(harbor_node, effect=rule_effect)
    register_plugin(FixedAnswer(plugin_effect), name="fixed")
    decision = decide(harbor_node, call())
    assert decision.effect == expected
    assert decision.source == (f"rule:{rule}" if winner == "rule" else "plugin:fixed")


def test_the_most_approvers_asked_for_wins(harbor_node, register_plugin):
    add_rule(harbor_node, effect="require_approval", approvals_required=2)
    register_plugin(FixedAnswer("require_approval", approvals=3), name="strict")
    assert decide(harbor_node, call()).approvals_required == 3


def test_a_plugin_that_stays_out_leaves_the_rules_to_decide(harbor_node, register_plugin):
    register_plugin(FixedAnswer("deny", action="other.thing"), name="elsewhere")
    assert decide(harbor_node, call(risk="read")).effect == "allow"


def test_a_raising_plugin_fails_closed_without_silencing_others(
    harbor_node, register_plugin, caplog
):
    add_rule(harbor_node, effect="allow")
    register_plugin(Broken(), name="broken")
    register_plugin(FixedAnswer("require_approval"), name="fixed")
    with (
        caplog.at_level(logging.ERROR, logger="harbor.policy"),
        harbor_node.store.session() as session,
    ):
        evaluation = policy.evaluate(harbor_node, session, call())
    assert (evaluation.decision.effect, evaluation.decision.source) == ("deny", "plugin:broken")
    assert "RuntimeError" in evaluation.decision.reason
    assert {a.source for a in evaluation.answers} >= {"plugin:broken", "plugin:fixed"}
    assert "broken" in caplog.text


def test_a_plugin_answering_nonsense_fails_closed(harbor_node, register_plugin):
    class Nonsense:
        @hookimpl
        def harbor_policy_check(self, call):
            return "allow"

    register_plugin(Nonsense(), name="nonsense")
    decision = decide(harbor_node, call(risk="read"))
    assert (decision.effect, decision.source) == ("deny", "plugin:nonsense")


# --- rate limits --------------------------------------------------------------------------


def test_rate_limit_is_counted_in_the_database_and_survives_a_restart(harbor_node, harbor_settings):
    rule = add_rule(harbor_node, effect="allow", rate_limit={"calls": 2, "window_seconds": 60})
    consume(harbor_node, call(), NOW)
    consume(harbor_node, call(), NOW + 10)
    harbor_node.close()

    restarted = Node(harbor_settings, plugins=PluginManager().load_all()).start()
    try:
        with pytest.raises(RateLimited) as caught:
            consume(restarted, call(), NOW + 15)
        assert caught.value.headers["Retry-After"] == "45"
        assert caught.value.retry_after == 45
        assert caught.value.extra["rule"] == f"rule:{rule}"
        consume(restarted, call(), NOW + 60)  # the next window has room again
    finally:
        restarted.close()


def test_rate_limits_are_per_agent_and_action(harbor_node):
    add_rule(harbor_node, effect="allow", rate_limit={"calls": 1, "window_seconds": 3600})
    consume(harbor_node, call())
    consume(harbor_node, call(agent="other"))
    consume(harbor_node, call(action="pay.refund"))
    with pytest.raises(RateLimited):
        consume(harbor_node, call())


def test_denied_calls_count_but_are_answered_with_the_denial(harbor_node, register_plugin):
    add_rule(harbor_node, effect="allow", rate_limit={"calls": 1, "window_seconds": 3600})
    register_plugin(FixedAnswer("deny"), name="no")
    assert consume(harbor_node, call()).decision.effect == "deny"
    assert consume(harbor_node, call()).decision.effect == "deny"  # full, yet no 429
    harbor_node.plugins.unregister("no")
    with pytest.raises(RateLimited):
        consume(harbor_node, call())


def test_old_windows_are_removed_when_a_new_one_starts(harbor_node):
    add_rule(harbor_node, effect="allow", rate_limit={"calls": 5, "window_seconds": 60})
    for offset in (0, 60, 120):
        consume(harbor_node, call(), NOW + offset)
    with harbor_node.store.session() as session:
        windows = session.exec(select(PolicyRateWindow)).all()
    assert [w.window_start for w in windows] == [int(NOW) + 120]


def test_deleting_a_rule_deletes_its_counters(harbor_node):
    rule = add_rule(harbor_node, effect="allow", rate_limit={"calls": 5, "window_seconds": 60})
    consume(harbor_node, call())
    with harbor_node.store.session() as session:
        policy_rules.delete_rule(session, rule)
    with harbor_node.store.session() as session:
        assert session.exec(select(PolicyRateWindow)).all() == []


def test_concurrent_calls_never_exceed_the_limit(harbor_node):
    add_rule(harbor_node, effect="allow", rate_limit={"calls": 3, "window_seconds": 3600})
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def one_call() -> None:
        barrier.wait()
        try:
            consume(harbor_node, call())
            outcomes.append("ok")
        except RateLimited:
            outcomes.append("limited")

    threads = [threading.Thread(target=one_call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["limited"] * 5 + ["ok"] * 3


def test_evaluating_counts_nothing(harbor_node):
    add_rule(harbor_node, effect="allow", rate_limit={"calls": 1, "window_seconds": 3600})
    for _ in range(3):
        decide(harbor_node, call())
    consume(harbor_node, call())
