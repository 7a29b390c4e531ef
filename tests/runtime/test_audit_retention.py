"""Retention: pruning old events behind a checkpoint keeps the chain verifiable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import col, select

from harbor.contracts import OperatorSettingsUpdate
from harbor.runtime.audit import (
    GENESIS_HASH,
    PRUNED_EVENT,
    Actor,
    event_hash,
    record_change,
    verify_chain,
)
from harbor.runtime.audit_retention import (
    apply_audit_retention,
    prune_audit,
    prune_audit_events,
)
from harbor.runtime.state import update_operator_settings
from harbor.store.ports import AuditCheckpoint, AuditEvent, AuditHead

OPERATOR = Actor(type="operator", name="owner")


def add_events(node, count: int, type: str = "test.event") -> None:
    with node.store.session(OPERATOR) as session:
        for i in range(count):
            record_change(session, type, f"thing:{i}")


def age_events(node, through_seq: int, days: int, also: tuple[int, ...] = ()) -> None:
    """Move events 1..through_seq (and ``also``) ``days`` into the past, re-chaining the log
    and its heads as if they had been written then."""
    when = datetime.now(UTC) - timedelta(days=days)
    with node.store.session() as session:
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
        prev = GENESIS_HASH
        for ev in rows:
            if ev.seq <= through_seq or ev.seq in also:
                ev.time = when + timedelta(seconds=ev.seq)
            ev.prev_hash = prev
            ev.hash = event_hash(prev, ev)
            prev = ev.hash
            session.add(ev)
        head = session.get(AuditHead, 1)
        assert head is not None
        head.hash = prev
        session.add(head)
    node.audit.head_file.unlink(missing_ok=True)
    (node.settings.data_dir / "audit.jsonl").unlink(missing_ok=True)
    node.audit.write_head(rows[-1].seq, prev)


def events(node) -> list[AuditEvent]:
    with node.store.session() as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())


def verify(node):
    with node.store.session() as session:
        return verify_chain(session, node.audit)


def test_prune_deletes_old_events_and_the_chain_still_verifies(harbor_node):
    add_events(harbor_node, 10)
    age_events(harbor_node, through_seq=6, days=40)
    assert verify(harbor_node).ok
    with harbor_node.store.session(OPERATOR) as session:
        pruned = prune_audit(session, harbor_node.audit, datetime.now(UTC) - timedelta(days=30))
    assert pruned == 6
    left = events(harbor_node)
    assert [e.seq for e in left] == [7, 8, 9, 10, 11]
    assert left[-1].type == PRUNED_EVENT
    assert left[-1].details["through_seq"] == 6
    assert left[-1].details["count"] == 6
    assert left[-1].actor == "owner"
    with harbor_node.store.session() as session:
        checkpoint = session.get(AuditCheckpoint, 1)
    assert checkpoint is not None
    assert checkpoint.seq == 6
    result = verify(harbor_node)
    assert result.ok, result.message
    assert result.checked == 5


def test_nothing_old_enough_prunes_nothing_and_records_nothing(harbor_node):
    add_events(harbor_node, 3)
    with harbor_node.store.session(OPERATOR) as session:
        result = prune_audit_events(
            session, harbor_node.audit, datetime.now(UTC) - timedelta(days=1)
        )
    assert result.pruned == 0
    assert result.through_seq is None
    assert len(events(harbor_node)) == 3


def test_an_old_event_after_a_newer_one_is_kept(harbor_node):
    add_events(harbor_node, 5)
    # the clock went back: event 4 looks old, but event 3 is new, so only 1..2 may go
    age_events(harbor_node, through_seq=2, days=40, also=(4,))
    with harbor_node.store.session(OPERATOR) as session:
        pruned = prune_audit(session, harbor_node.audit, datetime.now(UTC) - timedelta(days=30))
    assert pruned == 2
    assert [e.seq for e in events(harbor_node)] == [3, 4, 5, 6]
    assert verify(harbor_node).ok


def test_editing_an_event_after_the_checkpoint_is_reported(harbor_node):
    add_events(harbor_node, 8)
    age_events(harbor_node, through_seq=4, days=40)
    with harbor_node.store.session(OPERATOR) as session:
        prune_audit(session, harbor_node.audit, datetime.now(UTC) - timedelta(days=30))
    with harbor_node.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET subject = 'forged' WHERE seq = 6"))
    result = verify(harbor_node)
    assert not result.ok
    assert result.first_broken_seq == 6


def test_deleting_old_events_by_hand_behind_a_forged_checkpoint_is_reported(harbor_node):
    add_events(harbor_node, 6)
    with harbor_node.store.session() as session:
        ev3 = session.get(AuditEvent, 3)
        assert ev3 is not None
        session.add(AuditCheckpoint(id=1, seq=3, hash=ev3.hash, time=ev3.time))
    with harbor_node.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq <= 3"))
    result = verify(harbor_node)
    assert not result.ok
    assert "checkpoint" in result.message


def test_a_second_prune_moves_the_checkpoint_on(harbor_node):
    add_events(harbor_node, 6)
    age_events(harbor_node, through_seq=6, days=40)
    with harbor_node.store.session(OPERATOR) as session:
        assert prune_audit(session, harbor_node.audit, datetime.now(UTC) - timedelta(days=45)) == 0
        assert prune_audit(session, harbor_node.audit, datetime.now(UTC) - timedelta(days=30)) == 6
    add_events(harbor_node, 2)
    with harbor_node.store.session(OPERATOR) as session:
        assert prune_audit(session, harbor_node.audit, datetime.now(UTC) + timedelta(days=1)) == 3
    assert [e.seq for e in events(harbor_node)] == [10]
    assert verify(harbor_node).ok


def test_the_retention_setting_prunes_at_start(harbor_node):
    add_events(harbor_node, 4)
    age_events(harbor_node, through_seq=3, days=10)
    assert apply_audit_retention(harbor_node) == 0, "no retention set: keep everything"
    with harbor_node.store.session(OPERATOR) as session:
        update_operator_settings(session, OperatorSettingsUpdate(audit_retention_days=7))
    assert apply_audit_retention(harbor_node) == 3
    assert verify(harbor_node).ok
