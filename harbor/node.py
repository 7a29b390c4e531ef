"""The node context: settings, database, plugins and connectors of one running Harbor node.

Hooks receive this object as ``node``. It is built once per process by :meth:`Node.start`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from harbor import __version__
from harbor.connector import Connector
from harbor.errors import ConfigError
from harbor.plugin_manager import PluginManager
from harbor.runtime.audit import AuditLog
from harbor.runtime.audit_retention import apply_audit_retention
from harbor.runtime.audit_sinks import install_audit_sinks
from harbor.runtime.cloud.state import Entitlement, current_entitlement
from harbor.runtime.events import CallEvents
from harbor.runtime.metrics import NodeMetrics
from harbor.runtime.outbound import create_outbound_client

if TYPE_CHECKING:
    import httpx

    from harbor.runtime.dispatch import Dispatcher
    from harbor.runtime.secrets import SecretBox
from harbor.settings import Settings
from harbor.store import Store, upgrade_database

log = logging.getLogger("harbor.node")


class License:
    """What this node is licensed for: Community unless it holds a Harbor Cloud license.

    The license lives in the database, so every worker agrees; ``has`` is called by hooks on
    hot paths, so the answer is kept for ``ttl`` seconds (``forget`` drops it at once after a
    local change). Reading never raises: a node that cannot read it stays as it was.
    """

    def __init__(
        self,
        load: Callable[[], Entitlement] | None = None,
        ttl: float = 5.0,
        *,
        plan: str = "community",
        features: frozenset[str] = frozenset(),
    ) -> None:
        """``load`` reads the license; without it the license is fixed to ``plan``/``features``
        (``License(plan="pro", features=frozenset({"team"}))`` in a plugin's tests)."""
        self._load = load
        self._ttl = ttl
        community = plan == "community" and not features
        self._current = Entitlement(
            "community" if community else "active", plan, frozenset(features)
        )
        self._loaded_at: float | None = None

    def current(self) -> Entitlement:
        """The plan, features and status in effect now (cached for ``ttl`` seconds)."""
        now = time.monotonic()
        if self._load is None or (
            self._loaded_at is not None and now - self._loaded_at < self._ttl
        ):
            return self._current
        try:
            fresh = self._load()
        except Exception:  # the license must never break a call: keep the last answer
            log.exception("the Harbor Cloud license could not be read; keeping the last one")
            fresh = self._current
        if fresh.status == "expired" and self._current.status != "expired":
            for warning in fresh.warnings:
                log.warning("Harbor Cloud: %s", warning)
        self._current, self._loaded_at = fresh, now
        return fresh

    @property
    def plan(self) -> str:
        """The plan in effect: ``community`` or the licensed plan."""
        return self.current().plan

    @property
    def features(self) -> frozenset[str]:
        """The premium features in effect."""
        return self.current().features

    def has(self, feature: str) -> bool:
        """Whether the premium ``feature`` is enabled on this node."""
        return feature in self.current().features

    def forget(self) -> None:
        """Read the license again on the next question (after enroll, refresh, unenroll)."""
        self._loaded_at = None


def ensure_writable_dir(path: Path, what: str, setting: str) -> None:
    """Create ``path`` (0700) if needed and prove it is writable, or raise a clear error."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as err:
        raise ConfigError(
            f"{what} {path} is not writable ({err.strerror or err}); "
            f"set {setting} to a directory this user can write"
        ) from err


class Node:
    """One Harbor node: what every surface and every hook works with."""

    def __init__(
        self,
        settings: Settings,
        plugins: PluginManager | None = None,
        store: Store | None = None,
    ) -> None:
        self.settings = settings
        self.version = __version__
        self.plugins = plugins if plugins is not None else PluginManager().load_all()
        self.audit = AuditLog(settings.data_dir)
        self.store = store if store is not None else Store(settings.effective_database_url)
        self.store.audit = self.audit
        self.connectors: dict[str, Connector] = {}
        self.license = License(lambda: current_entitlement(self.store))
        self.started_at: float | None = None
        self._secret_box: SecretBox | None = None
        self.call_events = CallEvents()
        self.metrics = NodeMetrics()
        self.audit.write_observer = self.metrics.audit_write_seconds.observe
        self.port_slots: dict[str, asyncio.Semaphore] = {}
        self.dispatcher: Dispatcher | None = None
        self._outbound: httpx.AsyncClient | None = None

    def secret_box(self) -> SecretBox:
        """The key that encrypts stored secrets (loaded, or created, on first use)."""
        if self._secret_box is None:
            from harbor.runtime.secrets import SecretBox

            self._secret_box = SecretBox.load(self.settings)
        return self._secret_box

    def outbound(self) -> httpx.AsyncClient:
        """The node's one pooled outbound HTTP client, handed to connectors."""
        if self._outbound is None:
            self._outbound = create_outbound_client()
        return self._outbound

    async def aclose(self) -> None:
        """Close the outbound client and the database connections."""
        if self._outbound is not None:
            await self._outbound.aclose()
            self._outbound = None
        self.close()

    def prepare(self) -> None:
        """Check directories and the database, and apply migrations. Safe to repeat."""
        ensure_writable_dir(self.settings.data_dir, "data directory", "HARBOR_DATA_DIR")
        self.store.check_connection()
        upgrade_database(self.store.engine)

    def start(self) -> Node:
        """Prepare storage, load connectors and run every plugin's startup hook."""
        self.prepare()
        self.connectors = self.plugins.collect_connectors()
        install_audit_sinks(self)
        for impl in self.plugins.pm.hook.harbor_startup.get_hookimpls():
            try:
                impl.function(node=self)
            except Exception as err:  # one plugin's bad start must not stop the node
                log.exception("plugin %s failed in harbor_startup", impl.plugin_name)
                self.plugins.fail(impl.plugin_name, err)
        apply_audit_retention(self)
        self.metrics.watch_approvals(self)
        self.started_at = time.time()
        return self

    def admin_password(self) -> str | None:
        """HARBOR_ADMIN_PASSWORD, or the contents of HARBOR_ADMIN_PASSWORD_FILE."""
        if os.environ.get("HARBOR_ADMIN_PASSWORD"):
            return os.environ["HARBOR_ADMIN_PASSWORD"]
        path = os.environ.get("HARBOR_ADMIN_PASSWORD_FILE")
        if path:
            try:
                return Path(path).read_text().strip() or None
            except OSError as err:
                raise ConfigError(f"cannot read HARBOR_ADMIN_PASSWORD_FILE {path}: {err}") from err
        return None

    def close(self) -> None:
        """Release the database connections."""
        self.store.dispose()
