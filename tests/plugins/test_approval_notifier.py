"""The built-in approval notifier: which ports hear of an approval, and that none can block."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from harbor.connector import ApprovalNotice, CallContext, Connector, ConnectorError, hookimpl
from tests.api.calls_fixtures import call, make_port, publish
from tests.conftest import UPSTREAM_TOKEN

SENSITIVE_PIN = "4242-PLANTED"


class NotesConnector(Connector):
    """Notifies approvals by GETting ``<base_url><path>/<approval id>`` with a bearer token."""

    type = "notes"
    title = "Approval notes"
    config_schema = {
        "type": "object",
        "properties": {
            "base_url": {"type": "string"},
            "path": {"type": "string"},
            "token": {"type": "string", "writeOnly": True},
            "notify_approvals": {"type": "boolean"},
            "allow_private_hosts": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["base_url", "token"],
        "additionalProperties": False,
    }
    notices: list[tuple[str, ApprovalNotice]] = []

    async def notify_approval(self, ctx: CallContext, notice: ApprovalNotice) -> None:
        NotesConnector.notices.append((ctx.port, notice))
        url = f"{ctx.config['base_url']}{ctx.config.get('path', '/notice')}/{notice.approval_id}"
        response = await ctx.http.get(
            url, headers={"Authorization": f"Bearer {ctx.secrets['token']}"}
        )
        if response.status_code != 200:
            raise ConnectorError(f"the notes service answered {response.status_code}")


class NotesPlugin:
    @hookimpl
    def harbor_register_connectors(self, register: Any) -> None:
        register(NotesConnector)


@pytest.fixture
def notes(register_plugin, loop_connector) -> type[NotesConnector]:
    """The ``notes`` connector (and ``loop``, for the action that needs approval)."""
    register_plugin(NotesPlugin(), name="notes-plugin")
    NotesConnector.notices = []
    return NotesConnector


@pytest.fixture
def touch(operator_client, upstream, notes) -> str:
    """``up.touch``: a write action, so an agent's call waits for approval."""
    make_port(operator_client, upstream.url)
    return publish(operator_client, "up", "touch", "write")


def notes_port(
    client: Any, name: str, base_url: str, *, notify: bool = True, token: bool = True, **config: Any
) -> None:
    body = {
        "name": name,
        "connector": "notes",
        "config": {
            "base_url": base_url,
            "notify_approvals": notify,
            "allow_private_hosts": ["127.0.0.1"],
            **config,
        },
    }
    assert client.post("/api/v1/ports", json=body).status_code == 201
    if token:
        secret = client.put(f"/api/v1/ports/{name}/secrets/token", json={"value": UPSTREAM_TOKEN})
        assert secret.status_code == 200, secret.text


def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail("the condition did not come true in time")


def notified(client: Any, count: int) -> list[dict[str, Any]]:
    """Wait for ``count`` approval.notified audit events and return them."""

    def events() -> list[dict[str, Any]] | None:
        page = client.get("/api/v1/audit", params={"type": "approval.notified"}).json()
        return page["events"] if len(page["events"]) >= count else None

    found: list[dict[str, Any]] = wait_until(events)
    return found


def notice_requests(upstream: Any) -> list[str]:
    return [r["path"] for r in upstream.requests if "/notice" in r["path"] or "/fail" in r["path"]]


def test_only_ready_enabled_ports_that_ask_for_it_are_notified(
    operator_client, agent_client, upstream, touch
):
    notes_port(operator_client, "notes-on", upstream.url)
    notes_port(operator_client, "notes-off", upstream.url, notify=False)
    notes_port(operator_client, "notes-nosecret", upstream.url, token=False)
    notes_port(operator_client, "notes-disabled", upstream.url)
    operator_client.patch("/api/v1/ports/notes-disabled", json={"disabled": True})
    pending = call(agent_client, touch, {"suffix": "x", "pin": SENSITIVE_PIN})
    assert pending.status_code == 202, pending.text
    approval_id = pending.json()["approval_id"]
    [event] = notified(operator_client, 1)
    assert event["port"] == "notes-on"
    assert event["outcome"] == "ok"
    assert notice_requests(upstream) == [f"/notice/{approval_id}"]
    [(port, notice)] = NotesConnector.notices
    assert port == "notes-on"
    assert notice.approval_id == approval_id
    assert notice.call_id == pending.json()["id"]
    assert (notice.action, notice.agent, notice.risk) == (touch, "test-agent", "write")
    assert notice.rule == "default:write"
    assert notice.link == f"/approvals/{approval_id}"
    assert notice.arguments["suffix"] == "x"
    assert SENSITIVE_PIN not in str(notice)
    assert '"suffix": "x"' in notice.summary


def test_the_link_uses_the_public_url(operator_client, agent_client, upstream, touch):
    operator_client.patch("/api/v1/settings", json={"public_url": "https://harbor.lan"})
    notes_port(operator_client, "notes-on", upstream.url)
    pending = call(agent_client, touch, {"suffix": "x"})
    notified(operator_client, 1)
    [(_, notice)] = NotesConnector.notices
    assert notice.link == f"https://harbor.lan/approvals/{pending.json()['approval_id']}"


def test_a_failing_port_is_audited_and_the_others_still_hear(
    operator_client, agent_client, upstream, touch
):
    notes_port(operator_client, "a-broken", upstream.url, path="/fail")
    notes_port(operator_client, "b-working", upstream.url)
    pending = call(agent_client, touch, {"suffix": "x"})
    assert pending.status_code == 202
    outcomes = {e["port"]: e for e in notified(operator_client, 2)}
    assert outcomes["a-broken"]["outcome"] == "failed"
    assert "500" in outcomes["a-broken"]["details"]["message"]
    assert outcomes["b-working"]["outcome"] == "ok"
    # The call is untouched and can still be approved.
    approved = operator_client.post(
        f"/api/v1/approvals/{pending.json()['approval_id']}/approve", json={}
    )
    assert approved.status_code == 200, approved.text


def test_a_slow_port_does_not_hold_up_the_agents_answer(
    operator_client, agent_client, upstream, touch
):
    notes_port(operator_client, "notes-slow", upstream.url, path="/slow")
    started = time.monotonic()
    pending = call(agent_client, touch, {"suffix": "x"})
    assert pending.status_code == 202
    assert time.monotonic() - started < 1.5
    [event] = notified(operator_client, 1)
    assert event["outcome"] == "ok"


def test_no_notifying_port_means_no_notice(operator_client, agent_client, upstream, touch):
    notes_port(operator_client, "notes-off", upstream.url, notify=False)
    assert call(agent_client, touch, {"suffix": "x"}).status_code == 202
    time.sleep(0.3)
    assert NotesConnector.notices == []
    assert (
        operator_client.get("/api/v1/audit", params={"type": "approval.notified"}).json()["events"]
        == []
    )


def test_outside_an_event_loop_the_notice_goes_out_from_a_thread_of_its_own(
    harbor_node, operator_client, agent_key, upstream, touch
):
    from harbor.contracts import CallCreate
    from harbor.runtime import calls, dispatch
    from harbor.runtime.identity import authenticate

    notes_port(operator_client, "notes-on", upstream.url)
    with harbor_node.store.session() as session:
        principal = authenticate(session, agent_key)
    admitted = calls.admit_call(
        harbor_node, principal, CallCreate(action=touch, arguments={"suffix": "n"}), None
    )
    dispatch.notify_approval_requested(harbor_node, admitted.call.id)
    [event] = notified(operator_client, 1)
    assert event["outcome"] == "ok"
    assert notice_requests(upstream) == [f"/notice/{admitted.call.approval_id}"]
