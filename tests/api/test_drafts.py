"""Drafts: validate -> test -> publish, reject, force, templates."""

from __future__ import annotations

import pytest

from tests.conftest import UPSTREAM_TOKEN

DRAFT = {
    "action": "read_item",
    "kind": "get",
    "description": "Read one item",
    "risk": "read",
    "input_schema": {
        "type": "object",
        "properties": {"suffix": {"type": "string", "maxLength": 20}},
        "required": ["suffix"],
    },
    "definition": {"path": "/items"},
}


@pytest.fixture
def ready_port(operator_client, loop_connector, upstream):
    """A ready ``loop`` port named ``up`` with its token set."""
    operator_client.post(
        "/api/v1/ports",
        json={
            "name": "up",
            "connector": "loop",
            "config": {"base_url": upstream.url, "allow_private_hosts": ["127.0.0.1"]},
        },
    )
    operator_client.put("/api/v1/ports/up/secrets/token", json={"value": UPSTREAM_TOKEN})
    return "up"


def new_draft(client, **changes):
    response = client.post("/api/v1/ports/up/drafts", json={**DRAFT, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def step(client, draft_id, name, body=None):
    return client.post(f"/api/v1/drafts/{draft_id}/{name}", json=body or {})


def test_full_lifecycle_publishes_version_one(operator_client, ready_port, upstream):
    draft = new_draft(operator_client)
    assert draft["status"] == "draft"
    validated = step(operator_client, draft["id"], "validate").json()
    assert validated["status"] == "validated"
    assert validated["validation"]["ok"] is True
    tested = step(operator_client, draft["id"], "test", {"arguments": {"suffix": "42"}}).json()
    assert tested["status"] == "tested"
    assert tested["test"]["result"] == {"path": "/items/42", "ok": True}
    assert upstream.requests[-1]["path"] == "/items/42"
    published = step(operator_client, draft["id"], "publish").json()
    assert published["status"] == "published"
    assert published["published_version"] == 1
    action = operator_client.get("/api/v1/ports/up/actions/read_item").json()
    assert action["qualified_name"] == "up.read_item"
    assert action["current"]["definition"] == {"path": "/items"}


def test_validation_reports_each_problem(operator_client, ready_port):
    draft = new_draft(
        operator_client,
        definition={"path": "no-slash", "extra": 1},
        input_schema={"type": "array", "items": 5},
    )
    body = step(operator_client, draft["id"], "validate").json()
    assert body["status"] == "draft"
    pointers = {e["pointer"] for e in body["validation"]["errors"]}
    assert "/definition/path" in pointers
    assert "/definition" in pointers
    assert any(p.startswith("/input_schema") for p in pointers)


def test_unknown_kind_is_a_validation_error(operator_client, ready_port):
    draft = new_draft(operator_client, kind="post")
    errors = step(operator_client, draft["id"], "validate").json()["validation"]["errors"]
    assert errors[0]["pointer"] == "/kind"


def test_two_open_drafts_of_one_action_are_refused(operator_client, ready_port):
    new_draft(operator_client)
    second = new_draft(operator_client)
    errors = step(operator_client, second["id"], "validate").json()["validation"]["errors"]
    assert errors[0]["pointer"] == "/action"


def test_publishing_without_validation_is_refused(operator_client, ready_port):
    draft = new_draft(operator_client)
    response = step(operator_client, draft["id"], "publish", {"force": True})
    assert response.status_code == 409
    assert "validate" in response.json()["detail"]


def test_publishing_untested_needs_force_and_is_audited(operator_client, ready_port, harbor_node):
    draft = new_draft(operator_client)
    step(operator_client, draft["id"], "validate")
    refused = step(operator_client, draft["id"], "publish")
    assert refused.status_code == 409
    published = step(operator_client, draft["id"], "publish", {"force": True}).json()
    assert published["status"] == "published"
    versions = operator_client.get("/api/v1/ports/up/actions/read_item/versions").json()
    assert versions[0]["forced"] is True
    from sqlmodel import select

    from harbor.store.ports import AuditEvent

    with harbor_node.store.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.type == "action.published"))
        event = events.one()
    assert event.outcome == "forced"
    assert event.actor_type == "operator"


def test_bad_sample_arguments_are_invalid_arguments(operator_client, ready_port):
    draft = new_draft(operator_client)
    step(operator_client, draft["id"], "validate")
    response = step(operator_client, draft["id"], "test", {"arguments": {"suffix": 5}})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_arguments"
    assert response.json()["errors"][0]["pointer"] == "/arguments/suffix"


def test_a_failing_test_run_is_kept_on_the_draft(operator_client, ready_port):
    draft = new_draft(operator_client, definition={"path": "/fail"})
    step(operator_client, draft["id"], "validate")
    body = step(operator_client, draft["id"], "test", {"arguments": {"suffix": "x"}}).json()
    assert body["status"] == "validated"
    assert body["test"]["ok"] is False
    assert "500" in body["test"]["error"]["message"]


def test_reject_with_reason_closes_the_draft(operator_client, ready_port):
    draft = new_draft(operator_client)
    body = step(operator_client, draft["id"], "reject", {"reason": "not needed"}).json()
    assert body["status"] == "rejected"
    assert body["reason"] == "not needed"
    assert step(operator_client, draft["id"], "validate").status_code == 409


def test_editing_a_draft_sends_it_back_to_validation(operator_client, ready_port):
    draft = new_draft(operator_client)
    step(operator_client, draft["id"], "validate")
    body = operator_client.patch(
        f"/api/v1/drafts/{draft['id']}", json={"description": "Read an item by id"}
    ).json()
    assert body["status"] == "draft"
    assert body["validation"] is None


def test_add_the_usual_actions_creates_drafts(operator_client, ready_port):
    response = operator_client.post("/api/v1/ports/up/templates/apply", json={})
    assert response.status_code == 201
    assert [d["action"] for d in response.json()] == ["read_status"]
    listed = operator_client.get("/api/v1/ports/up/drafts").json()
    assert listed[0]["definition"] == {"path": "/status"}
