"""Approvals in the browser: approve, approve with edits, deny with a reason, auto-refresh."""

from __future__ import annotations

import json
import re

from harbor.store.calls import Call

ARGUMENTS = {"suffix": "abc", "pin": "4321"}


def ask(agent_api, arguments=None) -> dict:
    """The agent asks for ``up.create_item`` (a write: the policy asks the operator)."""
    response = agent_api.post(
        "/api/v1/calls", json={"action": "up.create_item", "arguments": arguments or ARGUMENTS}
    )
    assert response.status_code == 202, response.text
    return response.json()


def final(agent_api, call_id: str) -> dict:
    """The call as the agent sees it once it is final (long-poll)."""
    response = agent_api.get(f"/api/v1/calls/{call_id}", params={"wait": 10})
    assert response.status_code in (200, 403, 502), response.text
    body = response.json()
    return body.get("call", body)


def test_a_call_waiting_for_approval_is_approved_in_the_browser_and_runs(
    signed_in, ready_port, agent_api, upstream, shot
):
    asked = ask(agent_api)
    page = signed_in
    page.goto("/approvals")
    card = page.locator(f"#approval-{asked['approval_id']}")
    assert "up.create_item" in card.inner_text()
    assert "test-agent" in card.inner_text()
    assert "4321" not in page.content()  # the sensitive pin is masked
    assert "sensitive, hidden" in card.inner_text()
    shot(page, "approvals-pending")
    shot(page, "approvals-pending", phone=True)
    card.get_by_label("Note").fill("looks fine")
    card.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_url("**/approvals")
    assert "Approved up.create_item" in page.get_by_role("status").first.inner_text()
    call = final(agent_api, asked["id"])
    assert call["status"] == "succeeded"
    assert call["result"]["path"] == "/items/abc"
    assert any(r["path"] == "/items/abc" for r in upstream.requests)
    page.goto(f"/approvals/{asked['approval_id']}")
    assert "looks fine" in page.inner_text("main")
    shot(page, "approval-decided")


def test_approve_with_edits_shows_the_change_and_runs_the_edited_call(
    signed_in, ready_port, agent_api, upstream, harbor_node, shot
):
    asked = ask(agent_api)
    page = signed_in
    page.goto(f"/approvals/{asked['approval_id']}")
    editor = page.get_by_label("Arguments", exact=True)
    original = editor.input_value()
    assert "hmac-sha256:" in original
    assert "4321" not in original
    editor.fill(original.replace('"abc"', "42"))
    page.get_by_role("button", name="Check and show the change").click()
    error = page.locator("#page-error")
    assert "do not match the action's input schema" in error.inner_text()
    assert "arguments → suffix" in error.inner_text()
    shot(page, "approval-edit-invalid")
    page.get_by_label("Arguments", exact=True).fill(original.replace('"abc"', '"edited"'))
    page.get_by_role("button", name="Check and show the change").click()
    diff = page.get_by_role("group", name="Change of the arguments")
    assert re.search(r'-\s+"suffix": "abc"', diff.inner_text())
    assert re.search(r'\+\s+"suffix": "edited"', diff.inner_text())
    shot(page, "approval-edit-diff")
    page.get_by_role("button", name="Approve with these arguments").click()
    page.wait_for_url(f"**/approvals/{asked['approval_id']}")
    call = final(agent_api, asked["id"])
    assert call["status"] == "succeeded"
    assert call["edited"] is True
    assert call["result"]["path"] == "/items/edited"
    with harbor_node.store.read_session() as session:
        stored = session.get(Call, asked["id"])
        assert stored.arguments == {"suffix": "edited", "pin": "4321"}  # the pin was kept


def test_a_denial_reason_reaches_the_agent(signed_in, ready_port, agent_api, upstream, shot):
    asked = ask(agent_api)
    page = signed_in
    page.goto(f"/approvals/{asked['approval_id']}")
    page.get_by_label("Note", exact=True).first.fill("not on a Friday")
    page.get_by_role("button", name="Deny").first.click()
    page.wait_for_url(f"**/approvals/{asked['approval_id']}")
    assert "Denied up.create_item" in page.get_by_role("status").first.inner_text()
    call = final(agent_api, asked["id"])
    assert call["status"] == "denied"
    assert call["reason"] == "not on a Friday"
    assert call["error"]["message"] == "not on a Friday"
    assert upstream.requests == []
    shot(page, "approval-denied")


def test_the_list_refreshes_without_losing_what_the_operator_types(
    signed_in, ready_port, agent_api
):
    first = ask(agent_api)
    page = signed_in
    page.goto("/approvals")
    note = page.locator(f"#approval-{first['approval_id']}").get_by_label("Note")
    note.fill("half-typed thoughts")
    second = ask(agent_api, {"suffix": "second"})
    page.locator(f"#approval-{second['approval_id']}").wait_for(timeout=15_000)
    assert note.input_value() == "half-typed thoughts"


def test_approve_and_remember_lets_the_next_call_run_at_once(
    signed_in, ready_port, agent_api, operator_api
):
    asked = ask(agent_api, {"suffix": "one"})
    page = signed_in
    page.goto("/approvals")
    card = page.locator(f"#approval-{asked['approval_id']}")
    card.get_by_label(re.compile("^Approve and remember")).check()
    card.get_by_role("button", name="Approve", exact=True).click()
    assert "A policy rule now allows it" in page.get_by_role("status").first.inner_text()
    assert final(agent_api, asked["id"])["status"] == "succeeded"
    again = agent_api.post(
        "/api/v1/calls", json={"action": "up.create_item", "arguments": {"suffix": "two"}}
    )
    assert again.status_code == 200, again.text
    rules = operator_api.get("/api/v1/policies").json()
    assert any("remembered" in json.dumps(rule) for rule in rules)
