"""Plugins: built-ins, entry points, failures that never take the node down, duplicates."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from harbor.connector import Connector, hookimpl
from harbor.errors import PluginConflict
from harbor.node import Node
from harbor.plugin_manager import PluginManager


def make_distribution(site: Path, dist: str, module: str, source: str, entry: str) -> None:
    """Write a minimal installed distribution (dist-info + module) into ``site``."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[harbor]\n{entry} = {module}\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on sys.path that looks like site-packages to importlib.metadata."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    importlib.invalidate_caches()
    yield path
    for name in ("broken_harbor_plugin", "acme_echo_plugin"):
        sys.modules.pop(name, None)


def test_builtin_plugins_are_registered():
    plugins = PluginManager().load_all(entry_points_too=False)
    record = plugins.records["harbor.plugins.core_api"]
    assert record.builtin
    assert record.distribution == "harbor"
    assert record.loaded


def test_broken_plugin_is_recorded_and_the_node_still_serves(site, harbor_settings):
    make_distribution(
        site, "harbor-broken", "broken_harbor_plugin", "raise ImportError('no such lib')", "broken"
    )
    plugins = PluginManager().load_all()
    record = plugins.records["broken"]
    assert not record.loaded
    assert record.distribution == "harbor-broken"
    assert record.version == "1.2.3"
    assert "no such lib" in (record.error or "")
    from starlette.testclient import TestClient

    from harbor.api.app import create_app

    node = Node(harbor_settings, plugins=plugins)
    with TestClient(create_app(node=node), base_url="http://testserver") as client:
        health = client.get("/api/v1/health").json()
    assert health["status"] == "degraded"
    assert "broken" in health["plugins"]["failed"]


def test_plugin_with_a_bad_hook_signature_is_recorded(site):
    make_distribution(
        site,
        "harbor-badhook",
        "acme_echo_plugin",
        """
        from harbor.connector import hookimpl

        @hookimpl
        def harbor_startup(node, something_unknown):
            pass
        """,
        "badhook",
    )
    record = PluginManager().load_all().records["badhook"]
    assert not record.loaded
    assert "something_unknown" in (record.error or "")


class Echo(Connector):
    type = "echo"
    title = "Echo"


class OtherEcho(Connector):
    type = "echo"
    title = "Another echo"


class FirstPlugin:
    @hookimpl
    def harbor_register_connectors(self, register):
        register(Echo)


class SecondPlugin:
    @hookimpl
    def harbor_register_connectors(self, register):
        register(OtherEcho)


def test_duplicate_connector_type_is_refused_naming_both():
    plugins = PluginManager()
    plugins.register(FirstPlugin(), "first", distribution="harbor-echo", version="0.1.0")
    plugins.register(SecondPlugin(), "second", distribution="acme-echo", version="2.0")
    with pytest.raises(PluginConflict) as caught:
        plugins.collect_connectors()
    message = str(caught.value)
    assert "'echo'" in message
    assert "harbor-echo 0.1.0" in message
    assert "acme-echo 2.0" in message


def test_registering_something_that_is_not_a_connector_is_refused():
    class Wrong:
        @hookimpl
        def harbor_register_connectors(self, register):
            register(dict)

    plugins = PluginManager()
    plugins.register(Wrong(), "wrong")
    with pytest.raises(PluginConflict, match=r"not a harbor\.connector\.Connector"):
        plugins.collect_connectors()


def test_register_plugin_fixture_adds_a_connector(harbor_node, register_plugin):
    register_plugin(FirstPlugin())
    assert isinstance(harbor_node.connectors["echo"], Echo)


def test_startup_hook_failure_marks_the_plugin_failed(harbor_settings):
    class Crashes:
        @hookimpl
        def harbor_startup(self, node):
            raise RuntimeError("boom at start")

    plugins = PluginManager().load_all(entry_points_too=False)
    plugins.register(Crashes(), "crashes")
    node = Node(harbor_settings, plugins=plugins).start()
    assert "boom at start" in (plugins.records["crashes"].error or "")
    assert plugins.records["harbor.plugins.core_api"].loaded
    node.close()


def test_startup_hook_receives_the_node_with_a_license(harbor_settings):
    seen = {}

    class Watches:
        @hookimpl
        def harbor_startup(self, node):
            seen["community"] = not node.license.has("team")

    plugins = PluginManager().load_all(entry_points_too=False)
    plugins.register(Watches(), "watches")
    Node(harbor_settings, plugins=plugins).start().close()
    assert seen == {"community": True}
