"""The audit page: filters, paging, event detail, chain verification, exports."""

from __future__ import annotations

import json

from sqlalchemy import update

from harbor.store.ports import AuditEvent


def make_events(agent_api, count: int = 3) -> None:
    for index in range(count):
        response = agent_api.post(
            "/api/v1/calls", json={"action": "up.read_items", "arguments": {"suffix": f"n{index}"}}
        )
        assert response.status_code == 200, response.text


def test_filter_the_audit_log_read_an_event_and_verify_the_chain(
    signed_in, ready_port, agent_api, harbor_node, shot
):
    make_events(agent_api)
    page = signed_in
    page.goto("/audit")
    shot(page, "audit")
    page.get_by_label("Type").fill("call.requested")
    page.get_by_label("Actor").fill("agent:test-agent")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert all("call.requested" in rows.nth(i).inner_text() for i in range(3))
    shot(page, "audit-filtered")
    page.get_by_label("Type").fill("call.")
    page.get_by_label("Outcome").fill("denied")
    page.get_by_role("button", name="Filter").click()
    assert "No events match" in page.inner_text("main")
    page.goto("/audit?type=call.succeeded")
    page.locator("tbody tr").first.get_by_role("link").first.click()
    assert "call.succeeded" in page.inner_text("h1")
    assert "Chain" in page.inner_text("main")
    shot(page, "audit-event")
    page.goto("/audit")
    page.get_by_role("link", name="Verify chain").click()
    assert "The chain is intact" in page.locator("#verify-result").inner_text()
    shot(page, "audit-verify-ok")
    with harbor_node.store.session() as session:  # someone edits history behind Harbor's back
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(outcome="forged"))
    page.get_by_role("link", name="Verify again").click()
    result = page.locator("#verify-result").inner_text()
    assert "The chain is broken at event #3" in result
    shot(page, "audit-verify-broken")


def test_audit_pages_follow_the_cursor(signed_in_client, ready_port, agent_api):
    make_events(agent_api, 20)  # ~80 events: two pages of 50
    first = signed_in_client.get("/audit")
    assert 'rel="next"' in first.text
    next_href = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = signed_in_client.get(next_href.replace("&amp;", "&"))
    assert second.status_code == 200
    first_seqs = set(_seqs(first.text))
    second_seqs = set(_seqs(second.text))
    assert first_seqs
    assert second_seqs
    assert not first_seqs & second_seqs
    assert max(second_seqs) < min(first_seqs)


def _seqs(html: str) -> list[int]:
    return [int(part.split('"')[0]) for part in html.split('aria-label="Event ')[1:]]


def test_exports_are_json_lines_and_cloudevents(signed_in_client, ready_port, agent_api):
    make_events(agent_api, 1)
    jsonl = signed_in_client.get("/audit/export?type=call.succeeded&format=jsonl")
    assert jsonl.status_code == 200
    assert "attachment" in jsonl.headers["content-disposition"]
    events = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [e["type"] for e in events] == ["call.succeeded"]
    cloud = signed_in_client.get("/audit/export?type=call.succeeded&format=cloudevents")
    envelope = json.loads(cloud.text.splitlines()[0])
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "dev.harbor.audit.call.succeeded"


def test_a_mistyped_time_filter_is_explained_inline(signed_in_client):
    response = signed_in_client.get("/audit?since=yesterday-ish")
    assert response.status_code == 400
    assert "&#39;From&#39; is not a time" in response.text
    assert 'value="yesterday-ish"' in response.text


def test_one_event_is_readable_through_the_api_too(operator_client):
    response = operator_client.get("/api/v1/audit/1")
    assert response.status_code == 200
    assert response.json()["seq"] == 1
    assert operator_client.get("/api/v1/audit/999999").json()["code"] == "not_found"
