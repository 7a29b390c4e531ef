"""Audit sinks: the JSON-lines copy, secondary sinks after commit, and the new indexed fields."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from harbor.connector import hookimpl
from harbor.contracts import AgentCreate
from harbor.errors import PluginConflict
from harbor.plugins.jsonl_audit import FILE_NAME, JsonLinesSink
from harbor.runtime import identity
from harbor.runtime.audit import (
    GENESIS_HASH,
    Actor,
    canonical_json,
    event_hash,
    record_change,
    verify_chain,
)
from harbor.runtime.audit_sinks import collect_audit_sinks, install_audit_sinks
from harbor.store.ports import AuditEvent

OPERATOR = Actor(type="operator", name="owner")


class ListSink:
    """A sink that keeps what it receives."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.batches: list[list[dict[str, object]]] = []

    def write(self, events):
        self.batches.append([dict(e) for e in events])


class BrokenSink:
    """A sink whose disk is always full."""

    name = "broken"

    def write(self, events):
        raise OSError("disk full")


class SinkPlugin:
    """Registers the sinks it is given."""

    def __init__(self, *sinks) -> None:
        self.sinks = sinks

    @hookimpl
    def harbor_register_audit_sinks(self, register):
        for sink in self.sinks:
            register(sink)


def jsonl_lines(node) -> list[dict[str, object]]:
    path = node.settings.data_dir / FILE_NAME
    return [json.loads(line) for line in path.read_text().splitlines()]


def db_events(node) -> list[AuditEvent]:
    with node.store.session() as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())


def verify(node):
    with node.store.session() as session:
        return verify_chain(session, node.audit)


def fail_after_recording(node) -> None:
    """A change whose transaction fails after its event was written."""
    with node.store.session(OPERATOR) as session:
        record_change(session, "test.event", "x")
        raise RuntimeError("the change failed after its event was written")


def add_agent(node, name: str) -> None:
    with node.store.session(OPERATOR) as session:
        identity.create_agent(session, AgentCreate(name=name, scopes=["*.*"]))


def test_the_jsonl_sink_is_a_default_plugin_and_copies_every_committed_event(harbor_node):
    assert [s.name for s in harbor_node.audit.sinks] == ["jsonl"]
    add_agent(harbor_node, "one")
    add_agent(harbor_node, "two")
    lines = jsonl_lines(harbor_node)
    assert [(e["seq"], e["hash"]) for e in lines] == [
        (e.seq, e.hash) for e in db_events(harbor_node)
    ]
    assert lines[0]["type"] == "agent.created"
    assert lines[0]["actor"] == "owner"
    mode = (harbor_node.settings.data_dir / FILE_NAME).stat().st_mode & 0o777
    assert mode == 0o600


def test_a_rolled_back_change_reaches_no_sink(harbor_node, register_plugin):
    memory = ListSink()
    register_plugin(SinkPlugin(memory))
    install_audit_sinks(harbor_node)
    with pytest.raises(RuntimeError):
        fail_after_recording(harbor_node)
    assert memory.batches == []
    add_agent(harbor_node, "after")
    assert [e["type"] for e in memory.batches[0]] == ["agent.created", "agent_key.created"]


def test_a_failing_sink_is_reported_and_silences_neither_others_nor_the_change(
    harbor_node, register_plugin
):
    memory = ListSink()
    register_plugin(SinkPlugin(BrokenSink(), memory))
    install_audit_sinks(harbor_node)
    add_agent(harbor_node, "still-created")
    with harbor_node.store.session() as session:
        assert identity.get_agent(session, "still-created") is not None
    assert len(memory.batches) == 1
    assert len(jsonl_lines(harbor_node)) == 2
    assert harbor_node.audit.sink_errors == {"broken": "OSError: disk full"}
    assert harbor_node.audit.sink_failures == {"broken": 1}
    assert verify(harbor_node).ok


def test_two_sinks_with_one_name_refuse_the_start(harbor_node, register_plugin):
    register_plugin(SinkPlugin(ListSink("jsonl")))
    with pytest.raises(PluginConflict, match="two plugins provide the audit sink 'jsonl'"):
        collect_audit_sinks(harbor_node)


def test_a_plugin_that_raises_while_registering_is_marked_failed(harbor_node, register_plugin):
    class Exploding:
        @hookimpl
        def harbor_register_audit_sinks(self, register, node):
            raise ValueError("bad config")

    register_plugin(Exploding(), name="exploding")
    sinks = collect_audit_sinks(harbor_node)
    assert [s.name for s in sinks] == ["jsonl"]
    assert "bad config" in (harbor_node.plugins.records["exploding"].error or "")


def test_port_action_and_call_id_are_stored_and_hashed(harbor_node):
    with harbor_node.store.session(OPERATOR) as session:
        ev = record_change(
            session, "call.requested", "call:c1", port="gh", action="gh.create_issue", call_id="c1"
        )
    stored = db_events(harbor_node)[-1]
    assert (stored.port, stored.action, stored.call_id) == ("gh", "gh.create_issue", "c1")
    assert stored.hash == ev.hash
    assert jsonl_lines(harbor_node)[-1]["action"] == "gh.create_issue"
    assert verify(harbor_node).ok
    with harbor_node.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET call_id = 'c2' WHERE seq = :s"), {"s": ev.seq})
    result = verify(harbor_node)
    assert not result.ok
    assert result.first_broken_seq == ev.seq


def test_events_without_the_new_fields_hash_as_before(harbor_node):
    with harbor_node.store.session(OPERATOR) as session:
        ev = record_change(session, "test.event", "x", details={"a": 1})
    legacy = {
        "seq": ev.seq,
        "time": ev.time.isoformat(),
        "actor_type": "operator",
        "actor": "owner",
        "type": "test.event",
        "subject": "x",
        "outcome": "ok",
        "details": {"a": 1},
        "trace_id": None,
    }
    expected = hashlib.sha256(GENESIS_HASH.encode() + canonical_json(legacy)).hexdigest()
    assert ev.hash == expected == event_hash(GENESIS_HASH, ev)


def test_the_jsonl_head_reveals_deleted_newest_events_when_the_head_file_is_gone(harbor_node):
    for name in ("a", "b", "c"):
        add_agent(harbor_node, name)
    harbor_node.audit.head_file.unlink()
    with harbor_node.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq >= 5"))
        conn.execute(
            text(
                "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_event WHERE seq = 4)"
            )
        )
    result = verify(harbor_node)
    assert not result.ok
    assert "deleted" in result.message
    assert "audit sink jsonl" in result.message


def test_the_jsonl_head_ignores_a_torn_last_line(tmp_path):
    sink = JsonLinesSink(tmp_path / FILE_NAME)
    sink.write([{"seq": 1, "hash": "a"}, {"seq": 2, "hash": "b"}])
    with (tmp_path / FILE_NAME).open("a") as handle:
        handle.write('{"seq": 3, "ha')
    assert sink.read_head() == (2, "b")
    assert JsonLinesSink(tmp_path / "missing.jsonl").read_head() is None
