"""The audit chain: every change recorded, edits and deleted tails detected."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from harbor.contracts import AgentCreate
from harbor.errors import AuditUnavailable
from harbor.runtime import identity
from harbor.runtime.audit import Actor, record_change, verify_chain
from harbor.store import Store
from harbor.store.ports import AuditEvent

OPERATOR = Actor(type="operator", name="owner")


def make_history(node, count: int = 5) -> None:
    """A few real changes: agents created by the operator."""
    with node.store.session(OPERATOR) as session:
        identity.create_operator(session, "a long enough password")
    for i in range(count):
        with node.store.session(OPERATOR) as session:
            identity.create_agent(session, AgentCreate(name=f"agent-{i}", scopes=["*.*"]))


def events(node) -> list[AuditEvent]:
    with node.store.session() as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())


def verify(node):
    with node.store.session() as session:
        return verify_chain(session, node.audit)


def test_changes_are_recorded_with_actor_and_chained(harbor_node):
    make_history(harbor_node, 2)
    recorded = events(harbor_node)
    assert [e.type for e in recorded] == [
        "operator.created",
        "agent.created",
        "agent_key.created",
        "agent.created",
        "agent_key.created",
    ]
    assert {e.actor for e in recorded} == {"owner"}
    assert [e.seq for e in recorded] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(recorded))
    result = verify(harbor_node)
    assert result.ok
    assert result.checked == 5
    assert harbor_node.audit.read_head() == (5, recorded[-1].hash)


def test_editing_an_event_is_detected_at_that_event(harbor_node):
    make_history(harbor_node)
    with harbor_node.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = 3"))
    result = verify(harbor_node)
    assert not result.ok
    assert result.first_broken_seq == 3
    assert "changed" in result.message


def test_deleting_a_middle_event_is_detected(harbor_node):
    make_history(harbor_node)
    with harbor_node.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    result = verify(harbor_node)
    assert not result.ok
    assert result.first_broken_seq == 5


def test_deleting_the_newest_events_is_detected(harbor_node):
    make_history(harbor_node)
    with harbor_node.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq >= 9"))
        # cover the tracks inside the database: the head row now matches event 8
        conn.execute(
            text(
                "UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_event WHERE seq = 8)"
            )
        )
    result = verify(harbor_node)
    assert not result.ok
    assert "deleted" in result.message
    assert str(harbor_node.audit.head_file) in result.message


def test_a_failed_change_leaves_no_event(harbor_node):
    make_history(harbor_node, 1)
    before = len(events(harbor_node))
    with pytest.raises(Exception, match="already exists"), harbor_node.store.session() as s:
        identity.create_agent(s, AgentCreate(name="agent-0", scopes=[]))
    assert len(events(harbor_node)) == before
    assert verify(harbor_node).ok


def test_a_session_without_an_audit_log_refuses_changes(harbor_node):
    bare = Store(harbor_node.settings.effective_database_url)
    with pytest.raises(AuditUnavailable), bare.session() as session:
        record_change(session, "test.event")
    bare.dispose()
