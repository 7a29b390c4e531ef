"""Running approved calls: at most once across workers, after restarts, never after a crash."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from harbor.api.app import create_app
from harbor.contracts import ApprovalApprove, CallCreate
from harbor.node import Node
from harbor.runtime import calls, dispatch
from harbor.runtime.approvals import approve_call
from harbor.runtime.audit import Actor
from harbor.runtime.identity import authenticate
from harbor.store.calls import Approval, Call
from tests.api.calls_fixtures import make_port, publish

OPERATOR = Actor(type="operator", name="owner")


@pytest.fixture
def write_action(harbor_node, operator_token, agent_key, loop_connector, upstream) -> str:
    """``up.touch`` (write: needs approval), set up through the API, whose app then stops."""
    with TestClient(create_app(node=harbor_node), base_url="http://testserver") as client:
        client.headers["Authorization"] = f"Bearer {operator_token}"
        make_port(client, upstream.url)
        return publish(client, "up", "touch", "write")


@pytest.fixture
def pending_call(harbor_node, agent_key, write_action) -> Call:
    """A call waiting for approval (no dispatcher runs in these tests)."""
    with harbor_node.store.session() as session:
        principal = authenticate(session, agent_key)
    spec = CallCreate(action=write_action, arguments={"suffix": "once"})
    return calls.admit_call(harbor_node, principal, spec, None).call


def status_of(node: Node, call_id: str) -> str:
    with node.store.session() as session:
        call = session.get(Call, call_id)
        assert call is not None
        return call.status


def restarted(node: Node) -> Node:
    """A second node on the same database and data directory (another process, or a restart)."""
    other = Node(node.settings, plugins=node.plugins)
    other.connectors = node.connectors
    return other


def test_an_approved_call_is_claimed_once_by_racing_workers(harbor_node, pending_call):
    harbor_node.dispatcher = None
    approve_call(harbor_node, pending_call.approval_id, OPERATOR, ApprovalApprove())
    workers = [restarted(harbor_node) for _ in range(6)]
    barrier = threading.Barrier(len(workers))
    wins: list[bool] = []

    def race(node: Node) -> None:
        barrier.wait()
        wins.append(dispatch.claim_call(node, pending_call.id))

    threads = [threading.Thread(target=race, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(wins) == [False] * 5 + [True]
    assert status_of(harbor_node, pending_call.id) == "running"
    for worker in workers:
        worker.close()


def test_an_approved_call_not_yet_started_runs_after_a_restart(harbor_node, pending_call, upstream):
    harbor_node.dispatcher = None  # approved while no worker runs
    approve_call(harbor_node, pending_call.approval_id, OPERATOR, ApprovalApprove())
    assert status_of(harbor_node, pending_call.id) == "approved"
    node = restarted(harbor_node)

    async def one_round() -> None:
        worker = dispatch.Dispatcher(node)
        await worker.run_once()
        await worker.drain()
        await worker.run_once()  # nothing left to start: it must not run twice
        await worker.drain()
        await node.aclose()

    asyncio.run(one_round())
    assert status_of(harbor_node, pending_call.id) == "succeeded"
    assert [r["path"] for r in upstream.requests] == ["/items/once"]


def test_a_call_running_at_a_crash_becomes_unknown_and_never_runs(
    harbor_node, pending_call, upstream
):
    harbor_node.dispatcher = None
    approve_call(harbor_node, pending_call.approval_id, OPERATOR, ApprovalApprove())
    assert dispatch.claim_call(harbor_node, pending_call.id)  # then the process dies
    node = restarted(harbor_node)
    assert dispatch.recover_interrupted_calls(node) == 1
    assert status_of(harbor_node, pending_call.id) == "unknown"

    async def one_round() -> None:
        worker = dispatch.Dispatcher(node)
        await worker.run_once()
        await worker.drain()
        await node.aclose()

    asyncio.run(one_round())
    assert status_of(harbor_node, pending_call.id) == "unknown"
    assert upstream.requests == []


def test_paused_node_holds_approved_calls(harbor_node, pending_call):
    from harbor.runtime.pause import pause_node

    harbor_node.dispatcher = None
    approve_call(harbor_node, pending_call.approval_id, OPERATOR, ApprovalApprove())
    with harbor_node.store.session(OPERATOR) as session:
        pause_node(session, "owner", "incident")
    assert dispatch.claim_call(harbor_node, pending_call.id) is False
    assert status_of(harbor_node, pending_call.id) == "approved"


def test_expired_approvals_expire_their_calls(harbor_node, pending_call):
    with harbor_node.store.session() as session:
        approval = session.get(Approval, pending_call.approval_id)
        assert approval is not None
        approval.expires_at = approval.created_at - timedelta(seconds=1)
        session.add(approval)
    assert dispatch.expire_approvals(harbor_node) == 1
    assert status_of(harbor_node, pending_call.id) == "expired"
    from harbor.errors import Conflict

    with pytest.raises(Conflict, match="already expired"):
        approve_call(harbor_node, pending_call.approval_id, OPERATOR, ApprovalApprove())


def test_an_expired_approval_cannot_be_approved_even_before_the_sweep(harbor_node, pending_call):
    from harbor.errors import Conflict

    with harbor_node.store.session() as session:
        approval = session.get(Approval, pending_call.approval_id)
        assert approval is not None
        approval.expires_at = approval.created_at - timedelta(seconds=1)
        session.add(approval)
    with pytest.raises(Conflict, match="expired"):
        approve_call(harbor_node, pending_call.approval_id, OPERATOR, ApprovalApprove())
    assert status_of(harbor_node, pending_call.id) == "expired"


def test_approval_requested_plugins_are_called_in_isolation(
    harbor_node, register_plugin, write_action, agent_key
):
    from harbor.connector import hookimpl
    from harbor.contracts import OperatorSettingsUpdate
    from harbor.runtime.state import update_operator_settings

    seen: list[tuple[str, str | None]] = []

    class Broken:
        @hookimpl
        def harbor_approval_requested(self, approval):
            raise RuntimeError("notifier down")

    class Recorder:
        @hookimpl
        def harbor_approval_requested(self, approval, link):
            seen.append((approval.action, link))

    register_plugin(Broken(), name="broken-notifier")
    register_plugin(Recorder(), name="recorder")
    with harbor_node.store.session() as session:
        update_operator_settings(session, OperatorSettingsUpdate(public_url="https://harbor.lan"))
        principal = authenticate(session, agent_key)
    admitted = calls.admit_call(
        harbor_node, principal, CallCreate(action=write_action, arguments={"suffix": "n"}), None
    )
    dispatch.notify_approval_requested(harbor_node, admitted.call.id)
    assert seen == [(write_action, f"https://harbor.lan/approvals/{admitted.call.approval_id}")]


def test_a_suspended_agents_approved_call_waits(harbor_node, pending_call):
    from harbor.runtime.pause import resume_agent, suspend_agent

    harbor_node.dispatcher = None
    approve_call(harbor_node, pending_call.approval_id, OPERATOR, ApprovalApprove())
    with harbor_node.store.session(OPERATOR) as session:
        suspend_agent(session, "test-agent", "looks wrong")
    assert dispatch.claim_call(harbor_node, pending_call.id) is False
    with harbor_node.store.session(OPERATOR) as session:
        resume_agent(session, "test-agent")
    assert dispatch.claim_call(harbor_node, pending_call.id) is True
