"""The asynchronous SDK against a real node: the same calls, waits and errors, awaited."""

from __future__ import annotations

import anyio
import pytest

from harbor_client import AsyncHarborClient, CallStillPending
from harbor_client.errors import ApprovalDenied, InvalidArguments, NotFound, Unauthorized

pytestmark = pytest.mark.anyio


async def approve_when_pending(operator: AsyncHarborClient, **options: object) -> None:
    """Approve the first pending approval as soon as there is one."""
    with anyio.fail_after(10):
        while not (pending := await operator.list_approvals()):
            await anyio.sleep(0.05)
    await operator.approve(pending[0].id, **options)  # type: ignore[arg-type]


async def test_async_agent_lists_calls_and_waits_for_approval(live_node):
    async with (
        AsyncHarborClient(live_node.url, live_node.agent_key) as agent,
        AsyncHarborClient(live_node.url, live_node.operator_token) as operator,
    ):
        assert {a.name for a in await agent.list_actions()} == {"up.read", "up.touch"}
        done = await agent.call("up.read", {"suffix": "as1"})
        assert done.result == {"path": "/items/as1", "ok": True}

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(approve_when_pending, operator)
            waited = await agent.call("up.touch", {"suffix": "as2"}, wait=10)
        assert waited.status == "succeeded"

        handle = await agent.call("up.touch", {"suffix": "as3"})
        with pytest.raises(CallStillPending):
            await agent.wait_for(handle, timeout=0.1)
        await operator.deny(handle.approval_id or "", reason="no")
        with pytest.raises(ApprovalDenied, match="no"):
            await agent.wait_for(handle, timeout=10)


async def test_async_errors_and_operator_reads(live_node):
    async with AsyncHarborClient(live_node.url, live_node.agent_key) as agent:
        with pytest.raises(InvalidArguments):
            await agent.call("up.read", {})
        with pytest.raises(NotFound):
            await agent.get_call("call_" + "0" * 24)
    async with AsyncHarborClient(live_node.url, "hbo_wrong") as stranger:
        with pytest.raises(Unauthorized):
            await stranger.whoami()
    async with AsyncHarborClient(live_node.url, live_node.operator_token) as operator:
        assert [p.name for p in await operator.list_ports()] == ["up"]
        events = [e async for e in operator.iter_audit(type="action.", limit=1)]
        assert len(events) >= 2
        exported = [e async for e in operator.export_audit(type="port.")]
        assert exported[0]["type"] == "port.created"
        assert (await operator.verify_audit()).ok
