"""Actions as MCP tools, and calls as tool results: pure translations, no I/O.

A published action ``port.action`` is the tool ``port__action`` (port names hold no
underscore, so the split is unambiguous). A call becomes a result with structured content
(the call id, its status and its result) plus the same as text, for hosts that only read text.
Refusals are tool errors (``isError``) that name their code, so the model can read them;
they are never protocol failures.
"""

from __future__ import annotations

import json
from typing import Any

import mcp_types as types

from harbor.contracts import CallableAction, CallPublic
from harbor.errors import HarborError

TOOL_SEPARATOR = "__"
CALL_STATUS_TOOL = "harbor_call_status"
CALL_ID_PATTERN = r"^call_[0-9a-f]{24}$"

_CALL_STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "call_id": {
            "type": "string",
            "pattern": CALL_ID_PATTERN,
            "description": "The call id a tool answered with while it waited for approval",
        },
        "wait": {
            "type": "number",
            "minimum": 0,
            "maximum": 60,
            "description": "Seconds to wait for the call to finish before answering (default 0)",
        },
    },
    "required": ["call_id"],
    "additionalProperties": False,
}


def tool_name(qualified: str) -> str:
    """``github-work.create_issue`` → ``github-work__create_issue``."""
    port, _, action = qualified.partition(".")
    return f"{port}{TOOL_SEPARATOR}{action}"


def qualified_name(name: str) -> str | None:
    """``github-work__create_issue`` → ``github-work.create_issue``; None when not an action."""
    port, separator, action = name.partition(TOOL_SEPARATOR)
    if not separator or not port or not action:
        return None
    return f"{port}.{action}"


def _annotations(action: CallableAction) -> types.ToolAnnotations:
    """Hints from the action's risk; every action reaches an outside service."""
    return types.ToolAnnotations(
        title=action.name,
        read_only_hint=action.risk == "read",
        destructive_hint=action.risk == "destructive" if action.risk != "read" else None,
        open_world_hint=True,
    )


def action_tool(action: CallableAction) -> types.Tool:
    """The MCP tool of one callable action."""
    schema = dict(action.input_schema)
    schema.setdefault("type", "object")  # MCP requires an object schema at the root
    return types.Tool(
        name=tool_name(action.name),
        title=action.name,
        description=action.description or f"Run {action.name} through Harbor",
        input_schema=schema,
        annotations=_annotations(action),
    )


def call_status_tool() -> types.Tool:
    """``harbor_call_status``: look at a call that was waiting for approval."""
    return types.Tool(
        name=CALL_STATUS_TOOL,
        title="Harbor call status",
        description=(
            "Check a Harbor call that was waiting for the operator's approval: its status, and "
            "its result once it ran. Pass the call_id a tool answered with."
        ),
        input_schema=_CALL_STATUS_SCHEMA,
        annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
    )


def _result(structured: dict[str, Any], text: str, is_error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(text=text)],
        structured_content=structured,
        is_error=is_error,
    )


def _call_summary(public: CallPublic) -> dict[str, Any]:
    summary: dict[str, Any] = {"call_id": public.id, "action": public.action}
    summary["status"] = public.status
    if public.approval_id:
        summary["approval_id"] = public.approval_id
    return summary


def call_result(public: CallPublic) -> types.CallToolResult:
    """What a tool answers for a call, final or still waiting."""
    summary = _call_summary(public)
    if public.status == "succeeded":
        summary["result"] = public.result
        text = json.dumps(public.result, indent=2, default=str)
        return _result(summary, text)
    if public.status in ("pending_approval", "approved", "running"):
        return _result(summary, _waiting_text(public))
    return _refused_call(public, summary)


def _waiting_text(public: CallPublic) -> str:
    if public.status == "pending_approval":
        return (
            f"Pending approval: call {public.id} waits for the operator's decision. "
            f"Check it later with {CALL_STATUS_TOOL} (call_id {public.id}); do not call again."
        )
    return (
        f"Call {public.id} is {public.status}: approved and about to finish. "
        f"Check it with {CALL_STATUS_TOOL} (call_id {public.id})."
    )


def _refused_call(public: CallPublic, summary: dict[str, Any]) -> types.CallToolResult:
    """Denied, failed, expired, cancelled or unknown: a tool error naming why."""
    if public.error is not None:
        summary["error"] = {"code": public.error.code, "message": public.error.message}
        text = f"{public.error.code}: call {public.id} failed: {public.error.message}"
    elif public.status == "denied":
        text = _denial(public, summary)
    else:
        text = f"call {public.id} ended {public.status}; it did not run"
        if public.status == "unknown":
            text = f"call {public.id} was interrupted; it may or may not have reached the service"
    return _result(summary, text, is_error=True)


def _denial(public: CallPublic, summary: dict[str, Any]) -> str:
    """Who denied the call (a policy rule, or the operator) and why; fills ``summary``."""
    decision = public.decision
    reason: str | None
    if decision is not None and decision.effect == "deny":
        summary["rule"] = decision.source
        reason = decision.reason
        text = f"policy_denied: call {public.id} was denied by {decision.source}"
    else:
        reason = public.reason
        text = f"denied: the operator did not approve call {public.id}"
    summary["reason"] = reason
    return text + (f": {reason}" if reason else "")


def error_result(err: HarborError) -> types.CallToolResult:
    """A Harbor error as a tool error: the code, the message and the details an agent needs."""
    structured: dict[str, Any] = {"error": {"code": err.code, "message": err.detail}}
    for key in ("call_id", "rule", "errors", "retry_after"):
        if key in err.extra:
            structured["error"][key] = err.extra[key]
    retry_after = err.headers.get("Retry-After")
    if retry_after is not None:
        structured["error"]["retry_after"] = retry_after
    text = f"{err.code}: {err.detail}"
    for problem in err.extra.get("errors", []) or []:
        if isinstance(problem, dict):
            text += f"\n- {problem.get('pointer', '')}: {problem.get('message', '')}"
    return _result(structured, text, is_error=True)


def unknown_tool_result(name: str) -> types.CallToolResult:
    """A tool this key does not have (unpublished, disabled, or outside its scopes)."""
    structured = {"error": {"code": "not_found", "message": f"no tool '{name}'"}}
    text = f"not_found: no tool '{name}' for this key; list the tools again"
    return _result(structured, text, is_error=True)
