"""Actions as tools and calls as results: the pure translations of harbor/mcp/tools.py."""

from __future__ import annotations

from datetime import UTC, datetime

from harbor.contracts import CallableAction, CallPublic
from harbor.errors import PolicyDenied, RateLimited
from harbor.mcp.tools import (
    action_tool,
    call_result,
    error_result,
    qualified_name,
    tool_name,
)


def action(name: str, risk: str = "read", schema: dict | None = None) -> CallableAction:
    return CallableAction(
        name=name,
        port=name.split(".")[0],
        version=1,
        description="Do it",
        risk=risk,
        input_schema=schema if schema is not None else {"type": "object"},
    )


def test_tool_names_round_trip_and_fit_mcp_limits():
    longest = f"{'p' * 30}.{'a' * 32}"
    assert tool_name("github-work.create_issue") == "github-work__create_issue"
    assert qualified_name("github-work__create_issue") == "github-work.create_issue"
    assert len(tool_name(longest)) == 64
    assert qualified_name(tool_name(longest)) == longest
    assert qualified_name("harbor_call_status") is None
    assert qualified_name("__x") is None


def test_a_schema_without_a_type_becomes_an_object_schema():
    tool = action_tool(action("up.look", schema={"properties": {"q": {"type": "string"}}}))
    assert tool.input_schema == {"type": "object", "properties": {"q": {"type": "string"}}}


def test_hints_follow_the_risk():
    read, write, destructive = (
        action_tool(action("up.a", r)).annotations for r in ("read", "write", "destructive")
    )
    assert (read.read_only_hint, read.destructive_hint) == (True, None)
    assert (write.read_only_hint, write.destructive_hint) == (False, False)
    assert (destructive.read_only_hint, destructive.destructive_hint) == (False, True)


def test_refusals_are_tool_errors_with_their_code_and_details():
    denied = error_result(
        PolicyDenied("denied by rule 3", extra={"rule": "rule 3", "call_id": "c"})
    )
    assert denied.is_error
    assert denied.structured_content["error"] == {
        "code": "policy_denied", "message": "denied by rule 3", "rule": "rule 3", "call_id": "c",
    }  # fmt: skip
    assert denied.content[0].text == "policy_denied: denied by rule 3"
    limited = error_result(RateLimited("slow down", headers={"Retry-After": "30"}))
    assert limited.structured_content["error"]["retry_after"] == "30"


def test_an_operator_denial_names_the_reason():
    now = datetime.now(UTC)
    public = CallPublic(
        id="call_000000000000000000000001", action="up.touch", port="up", version=1,
        agent="bot", status="denied", arguments={}, reason="not today", edited=False,
        created_at=now, updated_at=now, trace_id="0" * 32,
    )  # fmt: skip
    result = call_result(public)
    assert result.is_error
    assert "not today" in result.content[0].text
    assert result.structured_content["reason"] == "not today"
