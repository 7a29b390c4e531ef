"""The member and admin areas in real Chromium (Playwright), with screenshots."""

from __future__ import annotations

import re
from typing import Any

import httpx

from harbor_cloud.accounts import create_account
from harbor_cloud.context import Cloud

PASSWORD = "correct horse battery staple"


def test_member_signs_up_and_creates_an_enrollment_code(
    page: Any, live_cloud: Any, shot: Any, new_node: Any
) -> None:
    page.goto("/signup")
    shot(page, "sign-up")
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/account")
    assert page.get_by_text("Community", exact=True).is_visible()
    assert page.get_by_text("No nodes yet").is_visible()
    shot(page, "account-empty")

    page.get_by_role("button", name="Create enrollment code").click()
    command = page.get_by_test_id("enroll-command").inner_text()
    code = page.get_by_test_id("enrollment-code").inner_text()
    assert command == f"harbor cloud enroll --url {live_cloud.url} --code {code}"
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){4}", code)
    shot(page, "enrollment-code")

    node = new_node()
    body = {"code": code, "node_public_key": node.public_jwk, "name": "attic", "version": "0.1.0"}
    enrolled = httpx.post(f"{live_cloud.url}/api/v1/nodes/enroll", json=body, timeout=30)
    assert enrolled.status_code == 201, enrolled.text
    page.goto("/account")
    row = page.get_by_role("row").filter(has_text="attic")
    assert row.is_visible()
    assert enrolled.json()["node_id"] in row.inner_text()
    shot(page, "account-with-node")


def test_admin_looks_up_an_account_and_revokes_a_feature(
    page: Any, live_cloud: Any, cloud: Cloud, shot: Any
) -> None:
    with cloud.store.session() as session:
        create_account(session, "root@cloud.test", PASSWORD, role="admin")
        member = create_account(session, "grace@example.org", PASSWORD)
    page.goto("/signin")
    page.get_by_label("Email").fill("root@cloud.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")
    page.get_by_role("link", name="Admin").click()
    page.get_by_label("Email").fill("grace")
    page.get_by_role("button", name="Look up").click()
    shot(page, "lookup")
    page.get_by_role("link", name="grace@example.org").click()
    page.wait_for_url(f"**/admin/accounts/{member.id}")

    page.get_by_label("Plan").select_option("pro")
    page.get_by_role("button", name="Change plan").click()
    page.wait_for_url(f"**/admin/accounts/{member.id}")
    assert page.get_by_role("row").filter(has_text="Team operators").get_by_text("On").is_visible()
    page.get_by_role("button", name="Revoke team").click()
    page.wait_for_url(f"**/admin/accounts/{member.id}")
    feature_row = page.get_by_role("row").filter(has_text="Team operators")
    assert feature_row.get_by_text("revoked").is_visible()
    assert feature_row.get_by_text("Off").is_visible()
    audit_rows = page.get_by_role("row").filter(has_text="account.feature_revoked")
    assert audit_rows.count() == 1
    shot(page, "account-revoked")

    page.get_by_role("link", name="Audit").click()
    assert page.get_by_role("row").filter(has_text="account.plan_changed").count() == 1
    shot(page, "audit")
