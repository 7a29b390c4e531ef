"""A real cloud and a real node on loopback: enroll, verify, premium flag on and off, offline."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import col, update

from harbor.runtime.cloud import background
from harbor.runtime.cloud.state import REFRESH_CLAIM_KEY
from harbor.runtime.cloud.tokens import node_key_path
from harbor.store.models import NodeState
from harbor.store.types import utcnow
from tests.api.calls_fixtures import call
from tests.cloud.conftest import enrollment_code, set_account


def enroll(operator_api, cloud, code):
    """Trust the cloud (once) and enroll with ``code``."""
    sources = operator_api.get("/api/v1/settings").json()["trusted_sources"]
    if cloud.url not in sources:
        operator_api.patch("/api/v1/settings", json={"trusted_sources": [*sources, cloud.url]})
    return operator_api.post("/api/v1/license/enroll", json={"url": cloud.url, "code": code})


def test_pro_feature_follows_the_cloud_from_enrollment_to_revocation(
    cloud, member, cloud_admin, operator_api, harbor_node
):
    set_account(cloud_admin, member.account_id, plan="pro")
    assert not harbor_node.license.has("team")

    enrolled = enroll(operator_api, cloud, enrollment_code(member))

    assert enrolled.status_code == 200, enrolled.text
    body = enrolled.json()
    assert body["status"] == "active"
    assert body["plan"] == "pro"
    assert body["features"] == ["team"]
    assert body["account_email"] == member.email
    assert body["node_id"].startswith("node_")
    assert harbor_node.license.has("team")
    key_file = node_key_path(harbor_node.settings.data_dir)
    assert key_file.stat().st_mode & 0o777 == 0o600
    listed = member.api.get("/api/v1/nodes").json()["nodes"]
    assert [n["node_id"] for n in listed] == [body["node_id"]]

    set_account(cloud_admin, member.account_id, revoke=["team"])
    assert harbor_node.license.has("team")  # the node holds its license until it refreshes
    refreshed = operator_api.post("/api/v1/license/refresh")

    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["plan"] == "pro"
    assert refreshed.json()["features"] == []
    assert not harbor_node.license.has("team")
    audit = operator_api.get("/api/v1/audit", params={"limit": 50}).json()
    kinds = {event["type"] for event in audit["events"]}
    assert {"license.enrolled", "license.refreshed"} <= kinds


def test_a_used_enrollment_code_is_refused_and_nothing_is_stored(
    cloud, member, operator_api, harbor_node
):
    code = enrollment_code(member)
    assert enroll(operator_api, cloud, code).status_code == 200
    assert operator_api.post("/api/v1/license/unenroll").json()["cloud_notified"] is True

    again = enroll(operator_api, cloud, code)

    assert again.status_code == 403
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["cloud_code"] == "enrollment_code_invalid"
    assert "enrollment code" in again.json()["detail"]
    assert operator_api.get("/api/v1/license").json()["status"] == "community"
    assert not node_key_path(harbor_node.settings.data_dir).exists()


def test_with_the_cloud_down_agents_work_and_the_cached_license_holds(
    cloud, member, cloud_admin, operator_api, agent_api, ready_port, harbor_node
):
    set_account(cloud_admin, member.account_id, plan="pro")
    assert enroll(operator_api, cloud, enrollment_code(member)).status_code == 200
    cloud.stop()

    ran = call(agent_api, f"{ready_port}.read_items", {"suffix": "a"})
    refresh = operator_api.post("/api/v1/license/refresh")
    status = operator_api.get("/api/v1/license").json()

    assert ran.status_code == 200, ran.text
    assert ran.json()["status"] == "succeeded"
    assert refresh.status_code == 503
    assert cloud.url in refresh.json()["detail"]
    assert status["status"] == "active"
    assert status["features"] == ["team"]
    assert cloud.url in status["last_error"]
    assert harbor_node.license.has("team")


def test_unenroll_with_the_cloud_down_forgets_locally_and_says_so(
    cloud, member, operator_api, harbor_node
):
    assert enroll(operator_api, cloud, enrollment_code(member)).status_code == 200
    cloud.stop()

    done = operator_api.post("/api/v1/license/unenroll")

    assert done.status_code == 200
    assert done.json()["cloud_notified"] is False
    assert "was not told" in done.json()["message"]
    assert operator_api.get("/api/v1/license").json()["status"] == "community"
    assert not node_key_path(harbor_node.settings.data_dir).exists()


def test_settings_page_shows_the_plan_and_features_after_enrollment(
    cloud, member, cloud_admin, operator_api, operator_page, shot
):
    set_account(cloud_admin, member.account_id, plan="pro")
    assert enroll(operator_api, cloud, enrollment_code(member)).status_code == 200

    operator_page.goto("/settings#cloud")

    panel = operator_page.locator("#cloud-panel")
    assert "Pro" in panel.locator("#cloud-plan").inner_text()
    assert "active" in panel.locator("#cloud-plan").inner_text()
    assert panel.locator("#cloud-features").inner_text().strip() == "team"
    assert cloud.url in panel.inner_text()
    panel.scroll_into_view_if_needed()
    shot(operator_page, "cloud-panel")


@pytest.fixture
def quick_refresh_turns(monkeypatch):
    """Every worker's refresh loop wakes every 0.2 s (set before the node starts serving)."""
    monkeypatch.setattr(background, "CHECK_SECONDS", 0.2)


def test_the_daily_background_refresh_picks_up_a_revocation(
    quick_refresh_turns, cloud, member, cloud_admin, operator_api, harbor_node
):
    set_account(cloud_admin, member.account_id, plan="pro")
    assert enroll(operator_api, cloud, enrollment_code(member)).status_code == 200
    set_account(cloud_admin, member.account_id, revoke=["team"])
    time.sleep(1)
    assert harbor_node.license.has("team")  # refreshed at enrollment: not due for a day

    with harbor_node.store.session() as session:  # a day passes
        session.exec(
            update(NodeState)
            .where(col(NodeState.key) == REFRESH_CLAIM_KEY)
            .values(updated_at=utcnow() - timedelta(days=1, minutes=1))
        )

    deadline = time.monotonic() + 15
    while harbor_node.license.has("team") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not harbor_node.license.has("team")
    status = operator_api.get("/api/v1/license").json()
    assert status["plan"] == "pro"
    assert status["features"] == []


def test_a_node_removed_in_the_member_area_becomes_community_at_its_next_refresh(
    cloud, member, cloud_admin, operator_api, harbor_node
):
    set_account(cloud_admin, member.account_id, plan="pro")
    node_id = enroll(operator_api, cloud, enrollment_code(member)).json()["node_id"]
    assert member.api.delete(f"/api/v1/nodes/{node_id}").status_code == 204

    refreshed = operator_api.post("/api/v1/license/refresh")

    assert refreshed.status_code == 502
    assert refreshed.json()["cloud_code"] == "node_not_enrolled"
    status = operator_api.get("/api/v1/license").json()
    assert status["status"] == "community"
    assert "node_not_enrolled" in status["last_error"]
    assert not harbor_node.license.has("team")
    assert not node_key_path(harbor_node.settings.data_dir).exists()
    # the operator can enroll again with a new code
    assert enroll(operator_api, cloud, enrollment_code(member)).status_code == 200
    assert harbor_node.license.has("team")
