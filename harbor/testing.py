"""Pytest fixtures for Harbor plugin authors (loaded through the ``pytest11`` entry point).

A connector's tests get a real node on a temporary SQLite database, with clients for the
operator and for an agent::

    def test_my_connector_is_loaded(harbor_node):
        assert "echo" in harbor_node.connectors

    def test_agents_cannot_list_tokens(agent_client):
        assert agent_client.get("/api/v1/tokens").status_code == 403

Override ``harbor_database_url`` to run on another database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.testclient import TestClient

    from harbor.node import Node
    from harbor.plugin_manager import PluginManager
    from harbor.settings import Settings

OPERATOR_PASSWORD = "correct horse battery staple"
TEST_HOST = "testserver"


@pytest.fixture
def harbor_database_url(tmp_path: Path) -> str:
    """The database URL of the test node: a fresh SQLite file per test."""
    return f"sqlite:///{tmp_path / 'harbor.db'}"


@pytest.fixture
def harbor_settings(tmp_path: Path, harbor_database_url: str) -> Settings:
    """Process settings for a node living entirely in the test's temporary directory."""
    from harbor.settings import Settings

    return Settings(
        data_dir=tmp_path / "data",
        config_dir=tmp_path / "config",
        database_url=harbor_database_url,
        allowed_hosts=[TEST_HOST],
        log_format="text",
    )


@pytest.fixture
def harbor_plugins() -> PluginManager:
    """The plugin manager: built-in plugins plus every installed ``harbor`` entry point."""
    from harbor.plugin_manager import PluginManager

    return PluginManager().load_all()


@pytest.fixture
def harbor_node(harbor_settings: Settings, harbor_plugins: PluginManager) -> Iterator[Node]:
    """A started node (migrated database, loaded connectors) on the test's database."""
    from harbor.node import Node

    node = Node(harbor_settings, plugins=harbor_plugins).start()
    yield node
    node.close()


@pytest.fixture
def register_plugin(harbor_node: Node) -> Iterator[Callable[..., Any]]:
    """Register a plugin object (module, class or instance) for this test only.

    Connectors it registers are available on ``harbor_node.connectors`` at once. Register
    before using ``harbor_app`` if the plugin adds routes.
    """
    names: list[str] = []

    def register(plugin: object, name: str | None = None) -> object:
        plugin_name = name or f"test-plugin-{len(names)}"
        record = harbor_node.plugins.register(plugin, plugin_name)
        if record.error:
            raise RuntimeError(f"plugin {plugin_name} failed to register: {record.error}")
        names.append(plugin_name)
        harbor_node.connectors = harbor_node.plugins.collect_connectors()
        return plugin

    yield register
    for plugin_name in names:
        harbor_node.plugins.unregister(plugin_name)
    harbor_node.connectors = harbor_node.plugins.collect_connectors()


@pytest.fixture
def harbor_app(harbor_node: Node) -> FastAPI:
    """The node's ASGI app."""
    from harbor.api.app import create_app

    return create_app(node=harbor_node)


def _client(app: FastAPI, credential: str | None) -> TestClient:
    from starlette.testclient import TestClient

    headers = {"Authorization": f"Bearer {credential}"} if credential else {}
    return TestClient(app, base_url=f"http://{TEST_HOST}", headers=headers)


@pytest.fixture
def operator_token(harbor_node: Node) -> str:
    """An operator API token (the operator is created with ``OPERATOR_PASSWORD``)."""
    from harbor.runtime import identity

    with harbor_node.store.session() as session:
        if identity.get_operator(session) is None:
            identity.create_operator(session, OPERATOR_PASSWORD)
        return identity.create_operator_token(session, "tests").token


@pytest.fixture
def agent_key(harbor_node: Node, operator_token: str) -> str:
    """The key of agent ``test-agent``, whose scope covers every action (``*.*``)."""
    from harbor.contracts import AgentCreate
    from harbor.runtime import identity

    with harbor_node.store.session() as session:
        created = identity.create_agent(session, AgentCreate(name="test-agent", scopes=["*.*"]))
        return created.key.key


@pytest.fixture
def anon_client(harbor_app: FastAPI) -> Iterator[TestClient]:
    """A client with no credential."""
    with _client(harbor_app, None) as client:
        yield client


@pytest.fixture
def operator_client(harbor_app: FastAPI, operator_token: str) -> Iterator[TestClient]:
    """A client authenticated as the operator."""
    with _client(harbor_app, operator_token) as client:
        yield client


@pytest.fixture
def agent_client(harbor_app: FastAPI, agent_key: str) -> Iterator[TestClient]:
    """A client authenticated as agent ``test-agent``."""
    with _client(harbor_app, agent_key) as client:
        yield client
