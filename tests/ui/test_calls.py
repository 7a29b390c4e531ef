"""The calls list and one call's page with its timeline."""

from __future__ import annotations


def test_calls_list_and_timeline_of_a_call(signed_in, ready_port, agent_api, shot):
    page = signed_in
    page.goto("/calls")
    assert "No calls yet" in page.inner_text("main")
    shot(page, "calls-empty")
    ran = agent_api.post(
        "/api/v1/calls", json={"action": "up.read_items", "arguments": {"suffix": "x1"}}
    ).json()
    agent_api.post("/api/v1/calls", json={"action": "up.create_item", "arguments": {"suffix": "w"}})
    page.goto("/calls")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "up.create_item" in rows.nth(0).inner_text()  # newest first
    assert "pending approval" in rows.nth(0).inner_text()
    shot(page, "calls-list")
    page.get_by_label("Status").select_option("succeeded")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("tbody tr").count() == 1
    page.get_by_role("link", name="up.read_items").click()
    page.wait_for_url(f"**/calls/{ran['id']}")
    main = page.inner_text("main")
    assert "succeeded" in main
    assert '"path": "/items/x1"' in main  # the result, as JSON
    timeline = page.locator("ol.timeline li")
    types = [timeline.nth(i).locator("strong").inner_text() for i in range(timeline.count())]
    assert types[:2] == ["call.requested", "policy.decided"]
    assert types[-1] == "call.succeeded"
    shot(page, "call-detail")
    shot(page, "call-detail", phone=True)


def test_an_unknown_call_is_a_plain_not_found_page(signed_in_client):
    response = signed_in_client.get("/calls/call_0123456789abcdef01234567")
    assert response.status_code == 404
    assert "No call" in response.text
    assert "<!doctype html>" in response.text


def test_a_malformed_call_id_is_refused_in_plain_words(signed_in_client):
    response = signed_in_client.get("/calls/not-a-call")
    assert response.status_code == 422
    assert "not valid" in response.text
