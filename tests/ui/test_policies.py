"""Policies in the console: create, reorder, edit and explain rules."""

from __future__ import annotations

from tests.ui.conftest import form_token


def rule_order(operator_api) -> list[str]:
    return [r["description"] for r in operator_api.get("/api/v1/policies").json()]


def test_create_reorder_and_explain_rules_in_the_browser(signed_in, operator_api, ready_port, shot):
    page = signed_in
    page.goto("/policies")
    assert "No rules yet" in page.inner_text("main")

    page.get_by_label("Effect").select_option("deny")
    page.get_by_label("Actions").fill("up.*")
    page.get_by_label("Why this rule exists").fill("nothing on up")
    page.get_by_role("button", name="Add rule").click()
    page.wait_for_url("**/policies")
    assert "Rule 1 added at position 1" in page.inner_text("main")

    page.get_by_label("Effect").select_option("allow")
    page.get_by_label("Actions").fill("up.create_*")
    page.get_by_label("Agent", exact=True).fill("test-*")
    page.get_by_label("Rate limit: calls").fill("5")
    page.get_by_label("per seconds").fill("60")
    page.get_by_label("Why this rule exists").fill("test agents may create")
    page.get_by_role("button", name="Add rule").click()
    assert rule_order(operator_api) == ["nothing on up", "test agents may create"]

    page.get_by_role("button", name="Move rule 2 up").click()
    page.wait_for_url("**/policies")
    assert rule_order(operator_api) == ["test agents may create", "nothing on up"]
    assert "5 per 60 s" in page.get_by_role("row").nth(1).inner_text()
    shot(page, "policies")

    page.get_by_label("If the agent").fill("test-agent")
    page.get_by_label("called the action").fill("up.create_item")
    page.get_by_label("with these arguments").fill('{"suffix": "a"}')
    page.get_by_role("button", name="Explain").click()
    result = page.locator("#explain-result")
    assert "The call would run." in result.inner_text()
    assert "rule 2" in result.inner_text()
    page.get_by_label("called the action").fill("up.read_items")
    page.get_by_role("button", name="Explain").click()
    assert "The call would be refused." in page.locator("#explain-result").inner_text()
    shot(page, "policies-explain")
    shot(page, "policies-explain", phone=True)


def test_edit_a_rule_and_errors_stay_on_the_form(signed_in, operator_api, shot):
    created = operator_api.post(
        "/api/v1/policies", json={"effect": "allow", "action": "*.*"}
    ).json()
    page = signed_in
    page.goto(f"/policies/{created['id']}")
    page.get_by_label("Arguments must match (optional)").fill('{"type": "nonsense"}')
    page.get_by_role("button", name="Save rule").click()
    assert "Arguments_schema is not a valid JSON Schema" in page.locator("#page-error").inner_text()
    assert '"nonsense"' in page.get_by_label("Arguments must match (optional)").input_value()
    shot(page, "policy-edit-error")
    page.get_by_label("Arguments must match (optional)").fill('{"type": "object"}')
    page.get_by_label("Effect").select_option("require_approval")
    page.get_by_label("Approvers needed").fill("2")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_url("**/policies")
    rule = operator_api.get(f"/api/v1/policies/{created['id']}").json()
    assert rule["effect"] == "require_approval"
    assert rule["approvals_required"] == 2
    assert rule["arguments_schema"] == {"type": "object"}


def test_disable_and_delete_a_rule(signed_in_client, operator_api):
    rule = operator_api.post("/api/v1/policies", json={"effect": "deny"}).json()
    token = form_token(signed_in_client, "/policies")
    off = signed_in_client.post(
        f"/policies/{rule['id']}/enabled", data={"csrf_token": token, "enabled": "false"}
    )
    assert off.status_code == 303
    assert operator_api.get(f"/api/v1/policies/{rule['id']}").json()["enabled"] is False
    gone = signed_in_client.post(f"/policies/{rule['id']}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    assert operator_api.get("/api/v1/policies").json() == []


def test_explaining_an_unknown_action_says_so_in_plain_words(signed_in_client):
    page = signed_in_client.get("/policies/explain", params={"agent": "a", "action": "nope.x"})
    assert page.status_code == 404
    assert "No port named &#39;nope&#39;" in page.text


def test_a_rate_limit_needs_both_numbers(signed_in_client, operator_api):
    token = form_token(signed_in_client, "/policies")
    response = signed_in_client.post(
        "/policies",
        data={"csrf_token": token, "effect": "allow", "action": "*.*", "rate_calls": "3"},
    )
    assert response.status_code == 400
    assert "needs both the number of calls and the window" in response.text
    assert operator_api.get("/api/v1/policies").json() == []
