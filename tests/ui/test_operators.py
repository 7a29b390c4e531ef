"""Team operators in the browser: invite, join, roles in the header, two people approve one call."""

from __future__ import annotations

from typing import Any

import pytest

from harbor.node import License
from tests.api.calls_fixtures import call
from tests.ui.conftest import DESKTOP

TEAM = License(plan="pro", features=frozenset({"team"}))
ADA_PASSWORD = "ada's long passphrase"


@pytest.fixture
def team(harbor_node: Any) -> Any:
    harbor_node.license = TEAM
    return harbor_node


def second_tab(browser: Any, console: Any) -> Any:
    """Another browser profile (its own cookies): another person at another desk."""
    context = browser.new_context(base_url=console.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    return context.new_page()


def test_an_invited_approver_joins_and_two_operators_approve_one_call(
    team, browser, console, signed_in, operator_api, agent_api, ready_port, upstream, shot
):
    owner = signed_in
    rule = {
        "description": "two people approve new items",
        "action": "up.create_item",
        "effect": "require_approval",
        "approvals_required": 2,
    }
    assert operator_api.post("/api/v1/policies", json=rule).status_code == 201

    owner.goto("/operators")
    owner.get_by_label("Role").select_option("approver")
    owner.get_by_role("button", name="Create invitation link").click()
    link = owner.locator("#invitation-url").inner_text()
    assert "/join?token=hbi_" in link
    shot(owner, "invitation")

    ada = second_tab(browser, console)
    try:
        ada.goto(link.replace(console.url, ""))
        ada.get_by_label("Your operator name").fill("ada")
        ada.get_by_label("Password").fill(ADA_PASSWORD)
        ada.get_by_role("button", name="Join").click()
        ada.wait_for_url("**/")
        assert ada.locator("#whoami").inner_text().split() == ["ada", "approver"]

        pending = call(agent_api, "up.create_item", {"suffix": "team"}).json()
        card = f"#approval-{pending['approval_id']}"

        owner.goto("/approvals")
        owner.locator(card).get_by_role("button", name="Approve").click()
        assert "runs after 1 more operator approves" in owner.locator(".flash").inner_text()
        owner.goto("/approvals")
        assert owner.locator(f"{card} .votes").inner_text().startswith("1 of 2 — owner")
        shot(owner, "one-of-two")

        # The same person cannot approve twice.
        owner.locator(card).get_by_role("button", name="Approve").click()
        assert "already approved" in owner.locator(".flash").inner_text()
        assert upstream.requests == []

        ada.goto("/approvals")
        assert ada.locator(f"{card} #remember-{pending['approval_id']}").count() == 0
        ada.locator(card).get_by_role("button", name="Approve").click()
        assert "the call runs now" in ada.locator(".flash").inner_text()
        done = agent_api.get(f"/api/v1/calls/{pending['id']}", params={"wait": 10}).json()
        assert done["status"] == "succeeded"
        assert [r["path"] for r in upstream.requests] == ["/items/team"]

        # An approver reads policies but cannot change them.
        ada.goto("/policies")
        assert ada.locator("h1").inner_text() == "Policies"

        owner.goto("/operators")
        assert owner.locator("tr[data-operator=ada]").inner_text().split()[:3] == [
            "ada",
            "approver",
            "active",
        ]
        shot(owner, "team")
    finally:
        ada.context.close()


def test_without_a_licence_the_login_page_says_why_team_accounts_wait(
    team, harbor_node, operator_api, page, shot
):
    invited = operator_api.post("/api/v1/operators/invitations", json={"role": "viewer"}).json()
    joined = operator_api.post(
        "/api/v1/operators/join",
        json={"token": invited["token"], "name": "vic", "password": ADA_PASSWORD},
    )
    assert joined.status_code == 201
    harbor_node.license = License()

    page.goto("/login")
    assert (
        "1 team operator account that cannot sign in" in page.locator("#team-locked").inner_text()
    )
    page.get_by_label("Operator name").fill("vic")
    page.get_by_label("Operator password").fill(ADA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "Harbor Pro licence" in page.locator("#page-error").inner_text()
    shot(page, "locked")

    harbor_node.license = TEAM
    page.get_by_label("Operator password").fill(ADA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    assert page.locator("#whoami").inner_text().split() == ["vic", "viewer"]


PUBLIC_FORMS = {"/login", "/setup", "/join"}


def console_forms() -> list[tuple[str, str]]:
    """(path with dummy parameters, needed role) of every console form an operator posts to."""
    import re

    from harbor.api.access import needed_role
    from harbor.ui.pages import page_routers

    forms = []
    for router in page_routers():
        for route in router.routes:
            if "POST" in getattr(route, "methods", ()) and route.path not in PUBLIC_FORMS:
                path = re.sub(r"\{[^}]+\}", "1", route.path)
                forms.append((path, needed_role(route, "POST")))
    return forms


@pytest.mark.parametrize("role", ["viewer", "approver"])
def test_each_console_form_refuses_a_role_below_the_one_it_needs(team, operator_api, console, role):
    import httpx

    from tests.ui.conftest import form_token

    invited = operator_api.post("/api/v1/operators/invitations", json={"role": role}).json()
    ranks = ("viewer", "approver", "owner")
    with httpx.Client(base_url=console.url, follow_redirects=False, timeout=30) as member:
        csrf = form_token(member, f"/join?token={invited['token']}")
        joined = member.post(
            "/join",
            data={"token": invited["token"], "name": "pat", "password": ADA_PASSWORD,
                  "csrf_token": csrf},
        )  # fmt: skip
        assert joined.status_code == 303, joined.text
        csrf = form_token(member, "/agents")
        refused = 0
        for path, needed in console_forms():
            if path == "/logout":  # allowed to every role, and it would end this session
                continue
            answer = member.post(path, data={"csrf_token": csrf})
            if ranks.index(role) < ranks.index(needed):
                assert answer.status_code == 403, (path, answer.status_code)
                assert f"this needs the {needed} role" in answer.text.lower()
                refused += 1
            else:
                assert answer.status_code != 403, (path, answer.text[:300])
    assert refused >= (40 if role == "viewer" else 35)
