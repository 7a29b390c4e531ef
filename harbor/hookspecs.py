"""Every hook a Harbor plugin can implement. Each docstring is the plugin author's reference.

A plugin is a module holding functions decorated with ``harbor.connector.hookimpl`` whose
names match the specs below. Distributions expose it through an entry point in the group
``harbor`` (``github = "harbor_github.plugin"``); the entry point names the module itself,
because pluggy looks for hook implementations only in the object it registers.

Implementations may accept any subset of a hook's arguments, so hooks can gain arguments
without breaking existing plugins. Hooks are never renamed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    from fastapi import APIRouter

    from harbor.connector import Connector
    from harbor.contracts import ApprovalPublic, PolicyDecision, PolicyRequest
    from harbor.node import Node

hookspec = pluggy.HookspecMarker("harbor")


class AuditSink(Protocol):
    """Receives every audit event. ``name`` identifies it in health and logs."""

    name: str

    def write(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Persist a batch of audit events, in sequence order; raise if they were not kept."""


# --- Connectors -----------------------------------------------------------------------------


@hookspec
def harbor_register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Register the connector classes this plugin provides.

    Call ``register(ConnectorClass)`` once per class, each a subclass of
    ``harbor.connector.Connector`` with a unique ``type``. The core checks the class and
    refuses to start when two plugins register the same type, naming both distributions.
    Returns nothing; every implementation is called.
    """


# --- Policy ---------------------------------------------------------------------------------


@hookspec
def harbor_policy_check(call: PolicyRequest, node: Node) -> PolicyDecision | None:
    """Give a policy answer for one call, or ``None`` to stay out of it.

    ``call`` describes who calls what: ``call.agent``, ``call.action`` (``port.action``),
    ``call.port``, ``call.version``, ``call.risk`` and ``call.arguments``. Return a
    ``harbor.contracts.PolicyDecision`` with ``effect`` ``allow``, ``deny`` or
    ``require_approval`` and a ``reason`` the operator will read.

    All answers are collected and combined with the built-in rules by precedence:
    any ``deny`` wins, then ``require_approval``, then ``allow``. The decision records
    which rule or plugin made it. The built-in rule engine is itself an implementation of
    this hook (``harbor.plugins.rule_policy``).
    """


# --- Approvals ------------------------------------------------------------------------------


@hookspec
def harbor_approval_requested(approval: ApprovalPublic, link: str | None, node: Node) -> None:
    """Tell someone that a call waits for the operator's approval.

    ``approval`` is the pending approval: ``approval.id``, ``approval.action``,
    ``approval.agent``, ``approval.risk``, ``approval.arguments`` (sensitive values already
    redacted) and ``approval.expires_at``. ``link`` is the approval's page in the node's UI,
    built from the public URL in operator state, or ``None`` when no public URL is set.
    Called after the approval is stored; every implementation is called, each on its own,
    and one that raises is logged without stopping the others or the call. Return nothing.
    Keep it quick: it runs before the agent gets its 202 answer.
    """


# --- Audit ----------------------------------------------------------------------------------


@hookspec
def harbor_register_audit_sinks(register: Callable[[AuditSink], None], node: Node) -> None:
    """Register sinks that receive every audit event.

    Call ``register(sink)`` with an object that has a ``name`` and a
    ``write(events)`` method (see ``harbor.hookspecs.AuditSink``). The database sink is
    the primary sink and writing to it is fail-closed: if it fails, the outside call does
    not happen. Every other sink is called on its own, after the primary one; a sink that
    raises is logged and reported in health, and never silences another sink.
    """


# --- Node lifecycle -------------------------------------------------------------------------


@hookspec
def harbor_startup(node: Node) -> None:
    """Run once when the node starts, after the database is migrated and connectors loaded.

    ``node`` is the node context: ``node.settings`` (process configuration),
    ``node.connectors`` (type -> connector instance) and ``node.license.has(feature)``.
    Every implementation is called; one that raises is recorded as a failed plugin in
    health and the node keeps starting.
    """


# --- Web ------------------------------------------------------------------------------------


@hookspec
def harbor_routes(node: Node) -> list[APIRouter] | None:
    """Return FastAPI routers to mount on the node, or ``None``.

    Routes mounted under ``/api/v1`` go through the node's single access check: a route is
    operator-only unless it is declared otherwise with ``harbor.api.access.agent_access``
    or ``public_access``. Every implementation is called and all routers are mounted.
    """
