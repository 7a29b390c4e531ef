"""The overview: health, counts, the 24-hour chart, failures, and the pause-all switch."""

from __future__ import annotations

import re

import pytest

from harbor.connector import hookimpl
from harbor.ui.pages import page_routers
from harbor.ui.routing import UIRoute, ui_router
from harbor.ui.sessions import OperatorDep
from tests.api.calls_fixtures import publish


def test_overview_shows_activity_failures_and_pauses_every_call(
    signed_in, ready_port, operator_api, agent_api, shot
):
    publish(operator_api, ready_port, "broken", "read", path="/fail")
    for suffix in ("a", "b"):
        agent_api.post(
            "/api/v1/calls", json={"action": "up.read_items", "arguments": {"suffix": suffix}}
        )
    agent_api.post("/api/v1/calls", json={"action": "up.create_item", "arguments": {"suffix": "w"}})
    failed = agent_api.post(
        "/api/v1/calls", json={"action": "up.broken", "arguments": {"suffix": "z"}}
    )
    assert failed.status_code == 502
    page = signed_in
    page.goto("/")
    stats = page.locator(".stats").inner_text()
    assert re.search(r"1\s+pending approval\b", stats)
    assert re.search(r"4\s+calls in 24 h", stats)
    assert re.search(r"3\s+actions", stats)
    assert "4 calls in the last 24 hours: 2 succeeded, 1 failed, 1 waiting" in page.inner_text(
        "main"
    )
    assert page.locator("svg.chart rect").count() == 3
    failures = page.get_by_role("region", name="Recent failures")
    failures.get_by_role("link", name="up.broken").wait_for()
    shot(page, "overview")
    shot(page, "overview", phone=True)

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Reason (shown to agents)").fill("maintenance")
    page.get_by_role("button", name="Pause all calls").click()
    page.wait_for_url("**/")
    banner = page.get_by_role("region", name="All calls are paused")
    assert "Paused by owner" in banner.inner_text()
    assert "maintenance" in banner.inner_text()
    shot(page, "overview-paused")
    refused = agent_api.post(
        "/api/v1/calls", json={"action": "up.read_items", "arguments": {"suffix": "p"}}
    )
    assert refused.status_code == 503
    assert refused.json()["code"] == "paused"
    banner.get_by_role("button", name="Resume calls").click()
    assert "Calls run again." in page.get_by_role("status").first.inner_text()
    resumed = agent_api.post(
        "/api/v1/calls", json={"action": "up.read_items", "arguments": {"suffix": "r"}}
    )
    assert resumed.status_code == 200


def test_console_pages_stay_out_of_the_api_schema(operator_client):
    paths = operator_client.get("/api/openapi.json").json()["paths"]
    pages = {route.path for router in page_routers() for route in router.routes}
    assert all(isinstance(route, UIRoute) for router in page_routers() for route in router.routes)
    assert {"/", "/login", "/approvals/{approval_id}", "/calls/{call_id}", "/audit"} <= pages
    assert not pages & set(paths)


def test_the_root_is_the_console_not_a_redirect_to_the_api_docs(ui_client, operator):
    response = ui_client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"


def test_pages_send_security_headers_and_no_cdn(signed_in_client):
    response = signed_in_client.get("/")
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert "http" not in re.sub(r'href="/[^"]*"', "", response.text).split("<body>")[0]


def test_static_files_are_served_and_nothing_else(ui_client):
    assert ui_client.get("/static/harbor.css").headers["content-type"].startswith("text/css")
    assert ui_client.get("/static/harbor.js").status_code == 200
    assert ui_client.get("/static/..%2Fsessions.py").status_code == 404
    assert ui_client.get("/static/__init__.py").status_code == 404


def test_an_agent_key_in_the_cookie_is_not_a_session(ui_client, agent_key):
    ui_client.cookies.set("harbor_session", agent_key)
    response = ui_client.get("/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_the_overview_is_in_the_api_too(ready_port, agent_api, operator_api):
    agent_api.post("/api/v1/calls", json={"action": "up.read_items", "arguments": {"suffix": "1"}})
    agent_api.post("/api/v1/calls", json={"action": "up.create_item", "arguments": {"suffix": "2"}})
    overview = operator_api.get("/api/v1/node/overview").json()
    assert overview["pending_approvals"] == 1
    assert overview["ports"] == 1
    assert overview["activity"]["total"] == 2
    assert len(overview["activity"]["hours"]) == 24
    assert overview["activity"]["hours"][-1]["counts"] == {"succeeded": 1, "waiting": 1}
    assert overview["activity"]["by_decision"]["require_approval"]["waiting"] == 1
    assert agent_api.get("/api/v1/node/overview").status_code == 403


class BrokenPagePlugin:
    """A plugin page that fails the way a bug would."""

    @hookimpl
    def harbor_routes(self):
        router = ui_router()

        @router.get("/broken")
        def broken(_operator: OperatorDep) -> None:
            raise RuntimeError("secret internals: /etc/passwd line 3")

        return [router]


@pytest.fixture
def broken_page(register_plugin):
    """A console page that raises an unexpected exception (registered before the app)."""
    register_plugin(BrokenPagePlugin(), name="broken-page")


def test_an_unexpected_failure_shows_no_internals(broken_page, signed_in_client, caplog):
    response = signed_in_client.get("/broken")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert any("console page /broken failed" in r.getMessage() for r in caplog.records)
