"""The plugin manager: built-in plugins, entry points in the group ``harbor``, connectors.

A plugin that fails to import never takes the node down: it is recorded as failed, shown by
``harbor plugins`` and health, and health reports ``degraded``.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy

from harbor import hookspecs
from harbor.connector import Connector
from harbor.contracts import PluginInfo
from harbor.errors import PluginConflict

log = logging.getLogger("harbor.plugins")

ENTRY_POINT_GROUP = "harbor"

#: Built-in plugins, registered exactly like third-party ones.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "harbor.plugins.core_api",
    "harbor.plugins.rule_policy",
    "harbor.plugins.jsonl_audit",
    "harbor.plugins.approval_notifier",
    "harbor.plugins.web_ui",
    "harbor.plugins.docs_site",
)


@dataclass
class PluginRecord:
    """What the node knows about one plugin it tried to load."""

    name: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    error: str | None = None
    module: ModuleType | None = None
    connectors: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        """Whether the plugin is registered and its hooks are called."""
        return self.error is None

    @property
    def label(self) -> str:
        """``distribution version`` for messages, or the plugin name."""
        if self.distribution:
            return f"{self.distribution} {self.version or ''}".strip()
        return self.name

    def to_public(self, *, with_error: bool) -> PluginInfo:
        """The public view; errors only when the reader is the operator."""
        return PluginInfo(
            name=self.name,
            distribution=self.distribution,
            version=self.version,
            builtin=self.builtin,
            status="loaded" if self.loaded else "failed",
            error=self.error if with_error else None,
            connectors=list(self.connectors),
        )


def _describe(err: BaseException) -> str:
    return f"{err.__class__.__name__}: {err}"


class PluginManager:
    """Harbor's pluggy manager plus the records of every plugin it tried to load."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("harbor")
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}

    @property
    def hook(self) -> Any:
        """The hook relay: ``plugins.hook.harbor_startup(node=node)``."""
        return self.pm.hook

    def load_all(self, *, entry_points_too: bool = True) -> PluginManager:
        """Register the built-in plugins, then every installed plugin."""
        for module_name in DEFAULT_PLUGINS:
            self.register_module_name(module_name, builtin=True)
        if entry_points_too:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                self.register_entry_point(ep)
        return self

    def register_module_name(self, module_name: str, *, builtin: bool = False) -> PluginRecord:
        """Import a module by name and register it; a failed import is recorded."""
        record = PluginRecord(name=module_name, builtin=builtin)
        if builtin:
            record.distribution, record.version = "harbor", _harbor_version()
        try:
            module = importlib.import_module(module_name)
        except Exception as err:
            return self._failed(record, err)
        return self._register(record, module)

    def register_entry_point(self, ep: EntryPoint) -> PluginRecord:
        """Load one entry point of the ``harbor`` group; a failed import is recorded."""
        record = PluginRecord(name=ep.name)
        if ep.dist is not None:
            record.distribution, record.version = ep.dist.name, ep.dist.version
        if ep.name in self.records:
            other = self.records[ep.name]
            return self._failed(
                record,
                PluginConflict(f"plugin name '{ep.name}' is already used by {other.label}"),
            )
        try:
            module = ep.load()
        except Exception as err:
            return self._failed(record, err)
        return self._register(record, module)

    def register(self, plugin: object, name: str, **info: Any) -> PluginRecord:
        """Register an already imported plugin object (used by tests and the testing kit)."""
        return self._register(PluginRecord(name=name, **info), plugin)

    def unregister(self, name: str) -> None:
        """Remove a plugin by name."""
        record = self.records.pop(name, None)
        if record is not None and self.pm.has_plugin(name):
            self.pm.unregister(name=name)

    def _register(self, record: PluginRecord, plugin: Any) -> PluginRecord:
        try:
            self.pm.register(plugin, name=record.name)
        except Exception as err:  # pluggy validation: a hookimpl with a wrong signature
            return self._failed(record, err)
        record.module = plugin
        self.records[record.name] = record
        return record

    def _failed(self, record: PluginRecord, err: BaseException) -> PluginRecord:
        record.error = _describe(err)
        self.records[record.name] = record
        log.error("plugin %s failed to load: %s", record.label, record.error)
        return record

    def fail(self, name: str, err: BaseException) -> None:
        """Mark a loaded plugin as failed (its startup hook raised) and stop calling it."""
        record = self.records.get(name)
        if record is None:
            return
        record.error = _describe(err)
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)

    def public_records(self, *, with_errors: bool) -> list[PluginInfo]:
        """Every plugin record as the public model, built-ins first."""
        ordered = sorted(self.records.values(), key=lambda r: (not r.builtin, r.name))
        return [r.to_public(with_error=with_errors) for r in ordered]

    # -- connectors ----------------------------------------------------------------------

    def collect_connectors(self) -> dict[str, Connector]:
        """Call every ``harbor_register_connectors`` and return type -> instance.

        Each implementation gets its own ``register`` so a duplicate can name both plugins.
        """
        found: dict[str, tuple[type[Connector], PluginRecord]] = {}
        for impl in self.pm.hook.harbor_register_connectors.get_hookimpls():
            record = self.records.get(impl.plugin_name) or PluginRecord(name=impl.plugin_name)
            impl.function(register=self._connector_registrar(found, record))
        return {type_: cls() for type_, (cls, _record) in found.items()}

    @staticmethod
    def _connector_registrar(
        found: dict[str, tuple[type[Connector], PluginRecord]], record: PluginRecord
    ) -> Any:
        def register(cls: type[Connector]) -> None:
            if not (isinstance(cls, type) and issubclass(cls, Connector)):
                raise PluginConflict(
                    f"{record.label} registered {cls!r}, which is not a harbor.connector.Connector"
                )
            type_ = getattr(cls, "type", None)
            if not isinstance(type_, str) or not type_:
                raise PluginConflict(f"{record.label} registered {cls.__name__} without a type")
            if type_ in found:
                other = found[type_][1]
                raise PluginConflict(
                    f"two plugins provide the connector '{type_}': {other.label} and "
                    f"{record.label}; uninstall one of them"
                )
            found[type_] = (cls, record)
            record.connectors.append(type_)

        return register


def _harbor_version() -> str:
    from harbor import __version__

    return __version__
