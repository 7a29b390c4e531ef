"""Published actions: immutable versions, state, diff, roll back."""

from __future__ import annotations

import pytest

from tests.api.test_drafts import DRAFT, new_draft, ready_port, step  # noqa: F401


def publish(client, **changes):
    draft = new_draft(client, **changes)
    step(client, draft["id"], "validate")
    step(client, draft["id"], "test", {"arguments": {"suffix": "1"}})
    return step(client, draft["id"], "publish").json()


@pytest.fixture
def two_versions(operator_client, ready_port):  # noqa: F811
    """``up.read_item`` published twice with different paths."""
    publish(operator_client)
    publish(operator_client, definition={"path": "/things"}, description="Read one thing")
    return "/api/v1/ports/up/actions/read_item"


def test_versions_are_kept_and_immutable(operator_client, two_versions):
    versions = operator_client.get(f"{two_versions}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["definition"] == {"path": "/items"}
    assert operator_client.get(two_versions).json()["current_version"] == 2


def test_diff_between_versions(operator_client, two_versions):
    diff = operator_client.get(f"{two_versions}/diff?from_version=1&to_version=2").json()
    changes = {c["pointer"]: c for c in diff["changes"]}
    assert changes["/definition/path"]["before"] == "/items"
    assert changes["/definition/path"]["after"] == "/things"
    assert changes["/description"]["change"] == "changed"


def test_rollback_publishes_the_earlier_definition_as_a_new_version(operator_client, two_versions):
    body = operator_client.post(f"{two_versions}/rollback", json={"version": 1}).json()
    assert body["current_version"] == 3
    assert body["current"]["definition"] == {"path": "/items"}
    assert body["current"]["rolled_back_from"] == 1
    assert len(operator_client.get(f"{two_versions}/versions").json()) == 3


def test_state_changes(operator_client, two_versions):
    for state in ("disabled", "archived", "enabled"):
        assert operator_client.patch(two_versions, json={"state": state}).json()["state"] == state


def test_publishing_onto_an_archived_action_is_refused(operator_client, two_versions):
    operator_client.patch(two_versions, json={"state": "archived"})
    draft = new_draft(operator_client)
    step(operator_client, draft["id"], "validate")
    assert step(operator_client, draft["id"], "publish", {"force": True}).status_code == 409


def test_unknown_version_is_not_found(operator_client, two_versions):
    response = operator_client.get(f"{two_versions}/diff?from_version=1&to_version=9")
    assert response.status_code == 404
