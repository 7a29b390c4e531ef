"""Admission rules that need a call caught mid-flight: idempotency while running, audit of pause."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from harbor.api.app import create_app
from harbor.contracts import CallCreate
from harbor.errors import Conflict
from harbor.runtime import calls
from harbor.runtime.audit import Actor
from harbor.runtime.identity import authenticate
from harbor.runtime.pause import pause_node, resume_node
from harbor.store.ports import AuditEvent
from tests.api.calls_fixtures import make_port, publish


@pytest.fixture
def read_action(harbor_node, operator_token, agent_key, loop_connector, upstream) -> str:
    """``up.read_item`` (read: allowed at once), set up through the API."""
    with TestClient(create_app(node=harbor_node), base_url="http://testserver") as client:
        client.headers["Authorization"] = f"Bearer {operator_token}"
        make_port(client, upstream.url)
        return publish(client, "up", "read_item", "read")


def test_the_same_key_while_the_first_call_runs_is_a_conflict(
    harbor_node, agent_key, read_action, upstream
):
    with harbor_node.store.session() as session:
        principal = authenticate(session, agent_key)
    spec = CallCreate(action=read_action, arguments={"suffix": "1"})
    first = calls.admit_call(harbor_node, principal, spec, "key-1")
    assert first.outcome == "run"  # committed as running; its connector has not run yet
    with pytest.raises(Conflict, match="still running"):
        calls.admit_call(harbor_node, principal, spec, "key-1")
    assert upstream.requests == []


def test_pause_and_resume_are_audited_with_who_did_it(harbor_node, operator_token):
    operator = Actor(type="operator", name="owner")
    with harbor_node.store.session(operator) as session:
        pause_node(session, "owner", "incident 12")
    with harbor_node.store.session(operator) as session:
        resume_node(session)
    with harbor_node.store.session() as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.type.in_(["node.paused", "node.resumed"]))  # type: ignore[attr-defined]
        ).all()
    assert [(e.type, e.actor) for e in events] == [
        ("node.paused", "owner"),
        ("node.resumed", "owner"),
    ]
    assert events[0].details["reason"] == "incident 12"


def test_an_idempotency_key_is_kept_a_day_then_may_start_a_new_call(
    harbor_node, agent_key, read_action
):
    from datetime import timedelta

    from harbor.store.calls import Call

    with harbor_node.store.session() as session:
        principal = authenticate(session, agent_key)
    spec = CallCreate(action=read_action, arguments={"suffix": "1"})
    first = calls.admit_call(harbor_node, principal, spec, "daily")
    with harbor_node.store.session() as session:
        row = session.get(Call, first.call.id)
        assert row is not None
        row.status = "succeeded"
        row.created_at = row.created_at - timedelta(hours=23)
        session.add(row)
    assert calls.admit_call(harbor_node, principal, spec, "daily").call.id == first.call.id
    with harbor_node.store.session() as session:
        row = session.get(Call, first.call.id)
        assert row is not None
        row.created_at = row.created_at - timedelta(hours=2)
        session.add(row)
    assert calls.admit_call(harbor_node, principal, spec, "daily").call.id != first.call.id
