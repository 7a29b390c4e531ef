"""POST /hooks/{port} and GET /api/v1/ports/{port}/events over the API."""

from __future__ import annotations

from typing import Any

import pytest

from harbor.api.routes.hooks import MAX_HOOK_BODY_BYTES
from harbor.contracts import AgentCreate
from harbor.runtime import identity
from tests.api.hooks_fixtures import (
    HOOK_KEY,
    delivery,
    make_receiving_port,
    signed_connector,  # noqa: F401 (the fixture every test here uses)
)

pytestmark = pytest.mark.usefixtures("signed_connector")


def audit_events(client: Any, type: str) -> list[dict[str, Any]]:
    page = client.get("/api/v1/audit", params={"type": type})
    assert page.status_code == 200, page.text
    events: list[dict[str, Any]] = page.json()["events"]
    return events


def agent_client_with(harbor_app: Any, harbor_node: Any, name: str, scopes: list[str]) -> Any:
    from starlette.testclient import TestClient

    with harbor_node.store.session() as session:
        key = identity.create_agent(session, AgentCreate(name=name, scopes=scopes)).key.key
    return TestClient(
        harbor_app, base_url="http://testserver", headers={"Authorization": f"Bearer {key}"}
    )


def test_a_signed_event_is_stored_audited_and_listed(operator_client, anon_client):
    port = make_receiving_port(operator_client)
    accepted = anon_client.post(f"/hooks/{port}", **delivery("evt-1", {"type": "order.paid"}))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"id": "evt-1", "port": port}
    page = operator_client.get(f"/api/v1/ports/{port}/events").json()
    [event] = page["events"]
    assert event["id"] == "evt-1"
    assert event["type"] == "order.paid"
    assert event["payload"] == {"type": "order.paid"}
    assert event["size"] > 0
    assert page["next_cursor"] is None
    [audited] = audit_events(operator_client, "inbound.received")
    assert audited["port"] == port
    assert audited["details"]["event_id"] == "evt-1"
    assert HOOK_KEY not in str(audited)


def test_a_bad_signature_is_401_audited_and_nothing_is_stored(operator_client, anon_client):
    port = make_receiving_port(operator_client)
    refused = anon_client.post(f"/hooks/{port}", **delivery("evt-1", {"a": 1}, key="wrong"))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "unauthorized"
    assert "signature" in refused.json()["detail"]
    assert operator_client.get(f"/api/v1/ports/{port}/events").json()["events"] == []
    [audited] = audit_events(operator_client, "inbound.refused")
    assert audited["outcome"] == "invalid_signature"
    assert audited["details"]["event_id"] == "evt-1"


def test_a_replayed_event_id_is_refused_and_stored_once(operator_client, anon_client):
    port = make_receiving_port(operator_client)
    first = anon_client.post(f"/hooks/{port}", **delivery("evt-1", {"n": 1}))
    assert first.status_code == 200, first.text
    replay = anon_client.post(f"/hooks/{port}", **delivery("evt-1", {"n": 2}))
    assert replay.status_code == 409
    assert replay.json()["code"] == "conflict"
    events = operator_client.get(f"/api/v1/ports/{port}/events").json()["events"]
    assert [e["payload"] for e in events] == [{"n": 1}]
    [audited] = audit_events(operator_client, "inbound.refused")
    assert audited["outcome"] == "replay"


def test_the_same_id_on_another_port_is_a_new_event(operator_client, anon_client):
    make_receiving_port(operator_client, "inbox-a")
    make_receiving_port(operator_client, "inbox-b")
    assert anon_client.post("/hooks/inbox-a", **delivery("evt-1", {})).status_code == 200
    assert anon_client.post("/hooks/inbox-b", **delivery("evt-1", {})).status_code == 200


def test_unknown_disabled_and_non_receiving_ports_refuse(
    operator_client, anon_client, loop_connector
):
    assert anon_client.post("/hooks/nowhere", **delivery("e", {})).status_code == 404
    created = operator_client.post(
        "/api/v1/ports",
        json={"name": "up", "connector": "loop", "config": {"base_url": "http://127.0.0.1:1"}},
    )
    assert created.status_code == 201, created.text
    not_receiving = anon_client.post("/hooks/up", **delivery("e", {}))
    assert not_receiving.status_code == 404
    assert "receives events" in not_receiving.json()["detail"]
    port = make_receiving_port(operator_client)
    operator_client.patch(f"/api/v1/ports/{port}", json={"disabled": True})
    disabled = anon_client.post(f"/hooks/{port}", **delivery("e", {}))
    assert disabled.status_code == 409
    assert disabled.json()["code"] == "port_not_ready"


def test_a_body_over_the_cap_is_413(operator_client, anon_client):
    port = make_receiving_port(operator_client)
    big = delivery("evt-big", {"blob": "x" * MAX_HOOK_BODY_BYTES})
    refused = anon_client.post(f"/hooks/{port}", **big)
    assert refused.status_code == 413
    assert refused.json()["code"] == "payload_too_large"
    assert operator_client.get(f"/api/v1/ports/{port}/events").json()["events"] == []


def test_events_are_paged_newest_first(operator_client, anon_client):
    port = make_receiving_port(operator_client)
    for n in range(3):
        assert anon_client.post(f"/hooks/{port}", **delivery(f"e{n}", {"n": n})).status_code == 200
    first = operator_client.get(f"/api/v1/ports/{port}/events", params={"limit": 2}).json()
    assert [e["id"] for e in first["events"]] == ["e2", "e1"]
    rest = operator_client.get(
        f"/api/v1/ports/{port}/events", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [e["id"] for e in rest["events"]] == ["e0"]
    assert rest["next_cursor"] is None
    bad = operator_client.get(f"/api/v1/ports/{port}/events", params={"cursor": "abc"})
    assert bad.status_code == 422


def test_agents_read_events_only_of_ports_their_scopes_cover(
    harbor_app, harbor_node, operator_client, anon_client
):
    port = make_receiving_port(operator_client)
    assert anon_client.post(f"/hooks/{port}", **delivery("e1", {"n": 1})).status_code == 200
    with agent_client_with(harbor_app, harbor_node, "reader", ["inbox.*"]) as reader:
        page = reader.get(f"/api/v1/ports/{port}/events")
        assert page.status_code == 200, page.text
        assert [e["id"] for e in page.json()["events"]] == ["e1"]
    with agent_client_with(harbor_app, harbor_node, "outsider", ["github-*.list_*"]) as outsider:
        refused = outsider.get(f"/api/v1/ports/{port}/events")
        assert refused.status_code == 403
        # Scopes are checked before existence: no probing for port names.
        assert outsider.get("/api/v1/ports/nowhere/events").status_code == 403


def test_events_need_a_credential(anon_client, operator_client):
    port = make_receiving_port(operator_client)
    assert anon_client.get(f"/api/v1/ports/{port}/events").status_code == 401
    assert operator_client.get("/api/v1/ports/nowhere/events").status_code == 404


def test_deleting_a_port_deletes_its_events(operator_client, anon_client):
    port = make_receiving_port(operator_client)
    assert anon_client.post(f"/hooks/{port}", **delivery("e1", {})).status_code == 200
    assert operator_client.delete(f"/api/v1/ports/{port}").status_code == 204
    make_receiving_port(operator_client)
    assert operator_client.get(f"/api/v1/ports/{port}/events").json()["events"] == []
    assert anon_client.post(f"/hooks/{port}", **delivery("e1", {})).status_code == 200
