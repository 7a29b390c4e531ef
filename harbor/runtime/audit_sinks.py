"""Collecting the audit sinks plugins register through ``harbor_register_audit_sinks``.

The database table is the primary sink and is not registered here: it is written inside the
caller's transaction by :meth:`harbor.runtime.audit.AuditLog.record`. Every sink collected
here is secondary and receives the events after their transaction commits.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from harbor.errors import PluginConflict

if TYPE_CHECKING:
    from harbor.hookspecs import AuditSink
    from harbor.node import Node

log = logging.getLogger("harbor.audit")


def collect_audit_sinks(node: Node) -> list[AuditSink]:
    """Call every ``harbor_register_audit_sinks`` and return the sinks, in hook order.

    Each implementation gets its own ``register`` so a duplicate name can name both plugins
    (a duplicate refuses the start). An implementation that raises is marked failed, like a
    failing startup hook, and the others still register.
    """
    found: dict[str, tuple[AuditSink, str]] = {}
    for impl in node.plugins.pm.hook.harbor_register_audit_sinks.get_hookimpls():
        record = node.plugins.records.get(impl.plugin_name)
        label = record.label if record is not None else impl.plugin_name
        register = _registrar(found, label)
        try:
            impl.function(**_arguments(impl, register, node))
        except PluginConflict:
            raise
        except Exception as err:
            log.exception("plugin %s failed in harbor_register_audit_sinks", impl.plugin_name)
            node.plugins.fail(impl.plugin_name, err)
    return [sink for sink, _label in found.values()]


def install_audit_sinks(node: Node) -> None:
    """Collect the sinks and hand them to the node's audit log (at start, or after a reload)."""
    node.audit.sinks = collect_audit_sinks(node)


def _arguments(impl: Any, register: Any, node: Node) -> dict[str, Any]:
    """Only the arguments the implementation asks for (hooks may grow; plugins take a subset)."""
    offered = {"register": register, "node": node}
    return {name: offered[name] for name in impl.argnames if name in offered}


def _registrar(found: dict[str, tuple[AuditSink, str]], label: str) -> Any:
    def register(sink: AuditSink) -> None:
        name = getattr(sink, "name", None)
        if not isinstance(name, str) or not name:
            raise PluginConflict(f"{label} registered an audit sink without a name: {sink!r}")
        if not callable(getattr(sink, "write", None)):
            raise PluginConflict(f"{label} registered audit sink '{name}' without write(events)")
        if name in found:
            raise PluginConflict(
                f"two plugins provide the audit sink '{name}': {found[name][1]} and {label}; "
                "uninstall one of them"
            )
        found[name] = (sink, label)

    return register
