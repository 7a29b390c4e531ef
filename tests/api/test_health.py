"""GET /api/v1/health: public status, plugin names, details only for the operator."""

from __future__ import annotations

from harbor.node import Node
from harbor.store import Store


def test_health_is_public_and_ok(anon_client):
    response = anon_client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert "harbor.plugins.core_api" in body["plugins"]["loaded"]
    assert "details" not in body


def test_health_details_only_for_the_operator(operator_client, agent_key, anon_client):
    details = operator_client.get("/api/v1/health").json()["details"]
    assert any(d["name"] == "harbor.plugins.core_api" and d["builtin"] for d in details)
    as_agent = anon_client.get("/api/v1/health", headers={"Authorization": f"Bearer {agent_key}"})
    assert "details" not in as_agent.json()


def test_health_ignores_a_bad_credential(anon_client):
    response = anon_client.get("/api/v1/health", headers={"Authorization": "Bearer hbo_nope"})
    assert response.status_code == 200


def test_health_answers_503_when_the_database_is_unreachable(harbor_node: Node, anon_client):
    good = harbor_node.store
    harbor_node.store = Store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    try:
        response = anon_client.get("/api/v1/health")
    finally:
        harbor_node.store.dispose()
        harbor_node.store = good
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "unreachable"


def test_failed_plugin_makes_health_degraded(harbor_node: Node, anon_client):
    harbor_node.plugins.register_module_name("harbor_no_such_plugin_module")
    body = anon_client.get("/api/v1/health").json()
    assert body["status"] == "degraded"
    assert body["plugins"]["failed"] == ["harbor_no_such_plugin_module"]


def test_plugins_route_lists_errors_for_the_operator(harbor_node: Node, operator_client):
    harbor_node.plugins.register_module_name("harbor_no_such_plugin_module")
    plugins = {p["name"]: p for p in operator_client.get("/api/v1/plugins").json()}
    assert plugins["harbor_no_such_plugin_module"]["status"] == "failed"
    assert "ModuleNotFoundError" in plugins["harbor_no_such_plugin_module"]["error"]
