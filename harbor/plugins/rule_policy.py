"""The built-in policy: the operator's ordered rules, first match, then defaults by risk.

Registered like any plugin (see ``DEFAULT_PLUGINS``) and ``trylast`` so that a third-party
policy plugin can sit in front of it. It always answers: the first enabled rule that
applies (source ``rule:<id>``) or the operator's default for the action's risk (source
``default:<risk>``). Its answer is combined with every other plugin's by
:func:`harbor.runtime.policy.combine`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harbor.connector import hookimpl
from harbor.runtime import policy, policy_rules

if TYPE_CHECKING:
    from harbor.contracts import PolicyDecision, PolicyRequest
    from harbor.node import Node


@hookimpl(trylast=True)
def harbor_policy_check(call: PolicyRequest, node: Node) -> PolicyDecision:
    """The first rule that applies to ``call``, or the default for its risk."""
    with policy.rules_session(node) as session:
        return policy_rules.rule_decision(session, call)
