"""The port workspace: draft -> validate -> test -> publish, action states, templates, calls."""

from __future__ import annotations

import json

from tests.api.calls_fixtures import INPUT_SCHEMA, make_port, publish
from tests.ui.conftest import form_token


def test_draft_validate_test_and_publish_an_action_in_the_browser(
    signed_in, operator_api, agent_api, loop_connector, upstream, shot
):
    make_port(operator_api, upstream.url)
    page = signed_in
    page.goto("/ports/up")
    page.get_by_role("link", name="New draft").first.click()
    page.get_by_label("Action name").fill("look")
    page.get_by_label("Description for agents").fill("Read one item by its suffix")
    page.get_by_label("Risk").select_option("read")
    page.get_by_label("Input schema").fill(json.dumps(INPUT_SCHEMA, indent=2))
    page.get_by_label("Definition", exact=True).fill('{"path": "/items"}')
    shot(page, "new-draft")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/ports/up/drafts/*")
    draft_url = page.url

    page.get_by_role("button", name="Validate").click()
    page.wait_for_url(draft_url)
    assert "Validation passed" in page.inner_text("main")
    page.get_by_label("Test arguments").fill('{"suffix": "one"}')
    page.get_by_role("button", name="Run test").click()
    page.wait_for_url(draft_url)
    assert "The test run succeeded" in page.inner_text("main")
    assert '"/items/one"' in page.locator("#test-h ~ pre").inner_text()
    assert any(r["path"] == "/items/one" for r in upstream.requests)
    shot(page, "draft-tested")

    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/ports/up#actions")
    assert "Published up.look version 1" in page.inner_text("main")
    row = page.get_by_role("row", name="up.look").first
    assert "v1" in row.inner_text()
    assert "enabled" in row.inner_text()

    called = agent_api.post(
        "/api/v1/calls", json={"action": "up.look", "arguments": {"suffix": "x"}}
    )
    assert called.json()["status"] == "succeeded"
    page.reload()
    assert "up.look" in page.locator("#calls ~ .table-wrap").inner_text()
    shot(page, "workspace-with-action")
    shot(page, "workspace-with-action", phone=True)


def test_a_failing_test_run_is_shown_on_the_draft_and_blocks_a_plain_publish(
    signed_in, operator_api, loop_connector, upstream, shot
):
    make_port(operator_api, upstream.url)
    page = signed_in
    page.goto("/ports/up/drafts/_new")
    page.get_by_label("Action name").fill("broken")
    page.get_by_label("Definition", exact=True).fill('{"path": "/fail"}')
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/ports/up/drafts/*")
    page.get_by_role("button", name="Validate").click()
    page.get_by_role("button", name="Run test").click()
    assert "The test run failed" in page.inner_text("main")
    assert "upstream answered 500" in page.locator(".test-error").inner_text()
    page.get_by_role("button", name="Publish").click()
    error = page.locator("#page-error")
    assert "was not tested" in error.inner_text()
    shot(page, "draft-test-failed")
    page.get_by_label("Reason to reject").fill("the service has no such page")
    page.get_by_role("button", name="Reject").click()
    assert "Rejected: the service has no such page" in page.inner_text("main")


def test_validation_problems_are_listed_on_the_draft(
    signed_in_client, operator_api, loop_connector, upstream
):
    make_port(operator_api, upstream.url)
    created = operator_api.post(
        "/api/v1/ports/up/drafts",
        json={"action": "bad", "kind": "get", "definition": {"path": "no-slash"}},
    ).json()
    path = f"/ports/up/drafts/{created['id']}"
    token = form_token(signed_in_client, path)
    signed_in_client.post(f"{path}/validate", data={"csrf_token": token})
    page = signed_in_client.get(path).text
    assert "Validation found problems" in page
    assert "/definition/path" in page


def test_action_state_roll_back_and_starter_templates(
    signed_in_client, operator_api, loop_connector, upstream
):
    make_port(operator_api, upstream.url)
    publish(operator_api, "up", "look", "read", path="/one")
    publish(operator_api, "up", "look", "read", path="/two")
    client = signed_in_client
    token = form_token(client, "/ports/up")

    disabled = client.post(
        "/ports/up/actions/look/state", data={"csrf_token": token, "state": "disabled"}
    )
    assert disabled.status_code == 303
    assert operator_api.get("/api/v1/ports/up/actions/look").json()["state"] == "disabled"

    rolled = client.post(
        "/ports/up/actions/look/rollback", data={"csrf_token": token, "version": "1"}
    )
    assert rolled.status_code == 303
    current = operator_api.get("/api/v1/ports/up/actions/look").json()
    assert current["current_version"] == 3
    assert current["current"]["definition"] == {"path": "/one"}

    again = client.post(
        "/ports/up/actions/look/rollback", data={"csrf_token": token, "version": "3"}
    )
    assert again.status_code == 409
    assert "already the current version" in again.text

    added = client.post("/ports/up/templates", data={"csrf_token": token, "names": "read_status"})
    assert added.status_code == 303
    assert "read_status" in client.get("/ports/up").text
    drafts = operator_api.get("/api/v1/ports/up/drafts").json()
    assert [d["action"] for d in drafts if d["status"] == "draft"] == ["read_status"]


def test_secrets_are_replaced_without_ever_being_shown(
    signed_in_client, operator_api, loop_connector, upstream
):
    make_port(operator_api, upstream.url)
    token = form_token(signed_in_client, "/ports/up")
    empty = signed_in_client.post(
        "/ports/up/secrets", data={"csrf_token": token, "secret.token": ""}
    )
    assert empty.status_code == 400
    assert "Type a value (or a reference) into at least one secret field" in empty.text
    replaced = signed_in_client.post(
        "/ports/up/secrets", data={"csrf_token": token, "secret.token": "new-value-PLANTED"}
    )
    assert replaced.status_code == 303
    page = signed_in_client.get("/ports/up").text
    assert "new-value-PLANTED" not in page
    assert "Secrets saved" in page


def test_received_events_show_on_a_port_whose_connector_receives_them(
    signed_in_client, operator_api
):
    created = operator_api.post(
        "/api/v1/ports", json={"name": "hooks", "connector": "webhook", "config": {}}
    )
    assert created.status_code == 201, created.text
    page = signed_in_client.get("/ports/hooks").text
    assert "Received events" in page
    assert "No events received yet" in page


def test_a_bad_setting_keeps_what_was_typed_and_changes_nothing(
    signed_in_client, operator_api, loop_connector, upstream
):
    make_port(operator_api, upstream.url)
    token = form_token(signed_in_client, "/ports/up")
    response = signed_in_client.post(
        "/ports/up/config",
        data={"csrf_token": token, "config.base_url": "ftp://typed.example", "description": "x"},
    )
    assert response.status_code == 422
    assert "Invalid port config" in response.text
    assert 'value="ftp://typed.example"' in response.text
    assert operator_api.get("/api/v1/ports/up").json()["config"]["base_url"] == upstream.url


def test_a_secret_can_be_a_reference_resolved_when_a_call_runs(
    signed_in_client, operator_api, agent_api, loop_connector, upstream, monkeypatch
):
    from tests.conftest import UPSTREAM_TOKEN

    make_port(operator_api, upstream.url)
    publish(operator_api, "up", "look", "read")
    monkeypatch.setenv("UP_TOKEN_FOR_TEST", UPSTREAM_TOKEN)
    token = form_token(signed_in_client, "/ports/up")
    both = signed_in_client.post(
        "/ports/up/secrets",
        data={"csrf_token": token, "secret.token": "x", "reference.token": "env:UP_TOKEN_FOR_TEST"},
    )
    assert both.status_code == 422
    assert "not both" in both.text
    bad = signed_in_client.post(
        "/ports/up/secrets", data={"csrf_token": token, "reference.token": "http://nope"}
    )
    assert bad.status_code == 422
    saved = signed_in_client.post(
        "/ports/up/secrets", data={"csrf_token": token, "reference.token": "env:UP_TOKEN_FOR_TEST"}
    )
    assert saved.status_code == 303
    assert "reference (env:)" in signed_in_client.get("/ports/up").text
    called = agent_api.post(
        "/api/v1/calls", json={"action": "up.look", "arguments": {"suffix": "r"}}
    )
    assert called.json()["status"] == "succeeded"
