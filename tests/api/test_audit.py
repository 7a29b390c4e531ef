"""``/api/v1/audit``: filters, keyset pages, exports, access, sinks, fail-closed writes, pruning."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from harbor.connector import hookimpl
from harbor.plugins.jsonl_audit import FILE_NAME
from harbor.runtime.audit import Actor, event_hash, record_change
from harbor.runtime.audit_sinks import install_audit_sinks
from harbor.store.models import Agent
from harbor.store.ports import AuditEvent, AuditHead
from harbor_client import HarborClient

AGENT = Actor(type="agent", name="ci-bot")
OPERATOR = Actor(type="operator", name="owner")


def seed_calls(node) -> None:
    """Events of two calls on two ports, by an agent, plus operator changes."""
    with node.store.session(AGENT) as session:
        for n, (port, action, outcome) in enumerate(
            [("gh", "create_issue", "ok"), ("gh", "list_issues", "ok"), ("mail", "send", "denied")]
        ):
            call_id = f"call_{n}"
            for type in ("call.requested", "policy.decided"):
                record_change(
                    session, type, f"call:{call_id}", outcome=outcome if type != "call.requested"
                    else "ok", port=port, action=f"{port}.{action}", call_id=call_id,
                )  # fmt: skip
    with node.store.session(OPERATOR) as session:
        record_change(session, "port.updated", "port:gh", port="gh")


def seqs(page: dict) -> list[int]:
    return [e["seq"] for e in page["events"]]


def get(client, **params) -> dict:
    response = client.get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_filters_select_by_type_prefix_actor_port_action_call_and_outcome(
    operator_client, harbor_node
):
    seed_calls(harbor_node)
    assert len(get(operator_client, type="call.requested")["events"]) == 3
    assert {e["type"] for e in get(operator_client, type="call.")["events"]} == {"call.requested"}
    assert {e["type"] for e in get(operator_client, type="policy.*")["events"]} == {
        "policy.decided"
    }
    assert len(get(operator_client, actor="ci-bot")["events"]) == 6
    assert len(get(operator_client, actor="agent:ci-bot")["events"]) == 6
    assert get(operator_client, actor="operator:ci-bot")["events"] == []
    assert len(get(operator_client, port="gh")["events"]) == 5
    assert len(get(operator_client, action="gh.create_issue")["events"]) == 2
    by_call = get(operator_client, call="call_2")["events"]
    assert [e["type"] for e in by_call] == ["policy.decided", "call.requested"]
    assert by_call[0]["call_id"] == "call_2"
    assert by_call[0]["action"] == "mail.send"
    assert [e["subject"] for e in get(operator_client, outcome="denied")["events"]] == [
        "call:call_2"
    ]
    combined = get(operator_client, port="gh", type="policy.decided", outcome="ok")
    assert len(combined["events"]) == 2


def test_since_and_until_bound_the_time(operator_client, harbor_node):
    seed_calls(harbor_node)
    newest = get(operator_client, limit=1)["events"][0]
    at = datetime.fromisoformat(newest["time"])
    assert seqs(get(operator_client, since=at.isoformat())) == [newest["seq"]]
    assert newest["seq"] not in seqs(get(operator_client, until=at.isoformat()))
    future = (at + timedelta(days=1)).isoformat()
    assert get(operator_client, since=future)["events"] == []


def test_pages_are_newest_first_and_the_cursor_walks_every_event_once(operator_client, harbor_node):
    with harbor_node.store.session(OPERATOR) as session:
        for i in range(120):
            record_change(session, "test.event", f"thing:{i}")
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"type": "test.event", "limit": 50, **({"cursor": cursor} if cursor else {})}
        page = get(operator_client, **params)
        seen += seqs(page)
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 120
    assert seen == sorted(seen, reverse=True)
    assert get(operator_client)["next_cursor"] is not None
    assert len(get(operator_client)["events"]) == 50


def test_a_bad_cursor_or_limit_is_refused(operator_client):
    assert operator_client.get("/api/v1/audit", params={"cursor": "bm9wZQ"}).status_code == 422
    assert operator_client.get("/api/v1/audit", params={"limit": 501}).status_code == 422
    assert operator_client.get("/api/v1/audit", params={"type": "a b"}).status_code == 422


def test_export_streams_json_lines_oldest_first(operator_client, harbor_node):
    seed_calls(harbor_node)
    response = operator_client.get("/api/v1/audit/export", params={"port": "gh"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [e["seq"] for e in lines] == sorted(e["seq"] for e in lines)
    assert len(lines) == 5
    assert all(e["port"] == "gh" for e in lines)
    assert {"prev_hash", "hash", "details", "trace_id"} <= set(lines[0])


def test_export_as_cloudevents(operator_client, harbor_node):
    seed_calls(harbor_node)
    response = operator_client.get(
        "/api/v1/audit/export", params={"format": "cloudevents", "call": "call_0"}
    )
    events = [json.loads(line) for line in response.text.splitlines()]
    assert [e["type"] for e in events] == [
        "dev.harbor.audit.call.requested",
        "dev.harbor.audit.policy.decided",
    ]
    first = events[0]
    assert first["specversion"] == "1.0"
    assert first["source"].startswith("harbor://")
    assert first["subject"] == "call:call_0"
    assert first["datacontenttype"] == "application/json"
    assert first["id"] == first["data"]["hash"]
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert first["data"]["call_id"] == "call_0"


def test_agent_keys_cannot_read_export_or_prune_the_audit_log(agent_client):
    assert agent_client.get("/api/v1/audit").status_code == 403
    assert agent_client.get("/api/v1/audit/export").status_code == 403
    assert agent_client.post("/api/v1/audit/prune", json={}).status_code == 403


def test_the_sdk_lists_follows_cursors_and_exports(operator_client, operator_token, harbor_node):
    seed_calls(harbor_node)
    with HarborClient("http://testserver", operator_token) as sdk:
        sdk._http = operator_client  # the node in-process: TestClient is an httpx.Client
        page = sdk.list_audit(type="call.", limit=2)
        assert len(page.events) == 2
        assert page.next_cursor
        assert len(list(sdk.iter_audit(type="call.", limit=2))) == 3
        exported = list(sdk.export_audit("cloudevents", port="mail"))
        assert [e["data"]["action"] for e in exported] == ["mail.send", "mail.send"]


class BrokenSink:
    """A secondary sink that always fails."""

    name = "broken"

    def write(self, events):
        raise OSError("remote log server unreachable")


class BrokenSinkPlugin:
    @hookimpl
    def harbor_register_audit_sinks(self, register):
        register(BrokenSink())


def test_a_failing_secondary_sink_stops_neither_the_change_nor_the_jsonl_sink(
    operator_client, harbor_node, register_plugin
):
    register_plugin(BrokenSinkPlugin())
    install_audit_sinks(harbor_node)
    response = operator_client.post("/api/v1/agents", json={"name": "kept", "scopes": ["*.*"]})
    assert response.status_code == 201, response.text
    assert agent_exists(harbor_node, "kept")
    lines = (harbor_node.settings.data_dir / FILE_NAME).read_text().splitlines()
    assert json.loads(lines[-1])["subject"] == "agent:kept"
    assert "remote log server unreachable" in harbor_node.audit.sink_errors["broken"]


def agent_exists(node, name: str) -> bool:
    with node.store.session() as session:
        return session.exec(select(Agent).where(Agent.name == name)).first() is not None


def block_audit_writes(node) -> None:
    """A real database failure on every audit insert (a trigger), not a mock."""
    with node.store.engine.begin() as conn:
        if node.store.dialect == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER block_audit BEFORE INSERT ON audit_event "
                    "BEGIN SELECT RAISE(ABORT, 'audit storage is full'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION block_audit() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'audit storage is full'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER block_audit BEFORE INSERT ON audit_event "
                    "FOR EACH ROW EXECUTE FUNCTION block_audit()"
                )
            )


def test_a_failing_primary_write_refuses_the_change(operator_client, harbor_node):
    before = operator_client.get("/api/v1/audit/verify").json()["head_seq"]
    block_audit_writes(harbor_node)
    jsonl = harbor_node.settings.data_dir / FILE_NAME
    lines_before = jsonl.read_text().count("\n") if jsonl.exists() else 0
    response = operator_client.post("/api/v1/agents", json={"name": "refused", "scopes": []})
    assert response.status_code == 503
    assert response.json()["code"] == "audit_unavailable"
    assert not agent_exists(harbor_node, "refused")
    with harbor_node.store.session() as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        assert head.seq == before
    assert (jsonl.read_text().count("\n") if jsonl.exists() else 0) == lines_before


def test_prune_then_verify_is_ok_and_an_edit_after_the_checkpoint_is_reported(
    operator_client, harbor_node
):
    seed_calls(harbor_node)
    cutoff = datetime.now(UTC) + timedelta(seconds=1)
    response = operator_client.post("/api/v1/audit/prune", json={"before": cutoff.isoformat()})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["pruned"] >= 7
    assert result["through_seq"] >= 7
    verified = operator_client.get("/api/v1/audit/verify").json()
    assert verified["ok"], verified
    assert [e["type"] for e in get(operator_client)["events"]] == ["audit.pruned"]
    with harbor_node.store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET outcome = 'forged'"))
    verified = operator_client.get("/api/v1/audit/verify").json()
    assert not verified["ok"]
    assert verified["first_broken_seq"] == result["through_seq"] + 1


def test_prune_by_the_retention_setting(operator_client, harbor_node):
    assert operator_client.post("/api/v1/audit/prune", json={}).status_code == 409
    settings = operator_client.patch("/api/v1/settings", json={"audit_retention_days": 30})
    assert settings.json()["audit_retention_days"] == 30
    with harbor_node.store.session(OPERATOR) as session:
        record_change(session, "test.event", "old")
    age_all_events(harbor_node, days=31)
    result = operator_client.post("/api/v1/audit/prune", json={}).json()
    assert result["pruned"] >= 1
    assert operator_client.get("/api/v1/audit/verify").json()["ok"]


def age_all_events(node, days: int) -> None:
    """Move every event ``days`` back, re-chained, as if written then."""
    with node.store.session() as session:
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
        prev = "0" * 64
        for ev in rows:
            ev.time = ev.time - timedelta(days=days)
            ev.prev_hash, ev.hash = prev, event_hash(prev, ev)
            prev = ev.hash
            session.add(ev)
        head = session.get(AuditHead, 1)
        assert head is not None
        head.hash = prev
    node.audit.head_file.unlink(missing_ok=True)
    (node.settings.data_dir / FILE_NAME).unlink(missing_ok=True)


@pytest.mark.parametrize(
    ("param", "value", "matches"),
    [
        ("since", "0001-01-01T00:00:00+01:00", True),
        ("until", "0001-01-01T00:00:00+01:00", False),
        ("until", "9999-12-31T23:59:59-01:00", True),
        ("since", "9999-12-31T23:59:59-01:00", False),
    ],
)
def test_times_beyond_the_calendar_are_clamped_not_a_crash(operator_client, param, value, matches):
    response = operator_client.get("/api/v1/audit", params={param: value})
    assert response.status_code == 200
    assert bool(response.json()["events"]) is matches
