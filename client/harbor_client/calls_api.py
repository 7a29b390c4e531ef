"""The calls, approvals and emergency-stop part of :class:`harbor_client.HarborClient`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from harbor_client.call_models import (
    ApprovalApprove,
    ApprovalDeny,
    ApprovalPublic,
    CallableAction,
    CallCreate,
    CallPage,
    CallPublic,
    PauseRequest,
    PauseState,
)

if TYPE_CHECKING:
    import httpx


class CallsAPI:
    """Mixed into HarborClient: what agents call, and what the operator decides."""

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send a request (provided by HarborClient)."""
        raise NotImplementedError

    # -- agents' side ------------------------------------------------------------------

    def list_actions(self) -> list[CallableAction]:
        """The actions this key may call, with their input schemas."""
        data = self.request("GET", "/api/v1/actions").json()
        return TypeAdapter(list[CallableAction]).validate_python(data)

    def create_call(
        self,
        action: str,
        arguments: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> CallPublic:
        """Call an action: the finished call, or a ``pending_approval`` one (202)."""
        body = CallCreate(action=action, arguments=arguments or {}).model_dump(mode="json")
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self.request("POST", "/api/v1/calls", json=body, headers=headers)
        return CallPublic.model_validate(response.json())

    def get_call(self, call_id: str, *, wait: float = 0) -> CallPublic:
        """One call; ``wait`` long-polls up to that many seconds (at most 60) for it to end."""
        params = {"wait": wait} if wait else {}
        response = self.request("GET", f"/api/v1/calls/{call_id}", params=params)
        return CallPublic.model_validate(response.json())

    def list_calls(
        self,
        *,
        status: str | None = None,
        agent: str | None = None,
        action: str | None = None,
        port: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> CallPage:
        """Calls, newest first (an agent gets only its own)."""
        given = {"status": status, "agent": agent, "action": action, "port": port}
        params: dict[str, Any] = {k: v for k, v in given.items() if v}
        params["limit"] = limit
        if cursor:
            params["cursor"] = cursor
        return CallPage.model_validate(self.request("GET", "/api/v1/calls", params=params).json())

    def cancel_call(self, call_id: str) -> CallPublic:
        """Cancel a call of this agent that still waits for approval."""
        response = self.request("POST", f"/api/v1/calls/{call_id}/cancel")
        return CallPublic.model_validate(response.json())

    # -- operator's side ---------------------------------------------------------------

    def list_approvals(self, status: str | None = "pending") -> list[ApprovalPublic]:
        """Approvals, newest first; pending ones by default (operator only)."""
        params = {"status": status} if status else {}
        data = self.request("GET", "/api/v1/approvals", params=params).json()
        return TypeAdapter(list[ApprovalPublic]).validate_python(data)

    def approve(
        self,
        approval_id: str,
        *,
        note: str = "",
        arguments: dict[str, Any] | None = None,
        remember: bool = False,
        remember_arguments: bool = False,
    ) -> ApprovalPublic:
        """Approve a call, optionally with edited arguments or remembered (operator only)."""
        body = ApprovalApprove(
            note=note,
            arguments=arguments,
            remember=remember,
            remember_arguments=remember_arguments,
        ).model_dump(mode="json")
        response = self.request("POST", f"/api/v1/approvals/{approval_id}/approve", json=body)
        return ApprovalPublic.model_validate(response.json())

    def deny(self, approval_id: str, *, reason: str = "") -> ApprovalPublic:
        """Deny a call; the reason reaches the agent (operator only)."""
        body = ApprovalDeny(reason=reason).model_dump(mode="json")
        response = self.request("POST", f"/api/v1/approvals/{approval_id}/deny", json=body)
        return ApprovalPublic.model_validate(response.json())

    def pause(self, reason: str = "") -> PauseState:
        """Refuse every call on the node until resumed (operator only)."""
        body = PauseRequest(reason=reason).model_dump(mode="json")
        return PauseState.model_validate(
            self.request("POST", "/api/v1/node/pause", json=body).json()
        )

    def resume(self) -> PauseState:
        """Let calls run again (operator only)."""
        return PauseState.model_validate(self.request("POST", "/api/v1/node/resume").json())

    def suspend_agent(self, name: str, reason: str = "") -> None:
        """Refuse every call of one agent until resumed (operator only)."""
        body = PauseRequest(reason=reason).model_dump(mode="json")
        self.request("POST", f"/api/v1/agents/{name}/suspend", json=body)

    def resume_agent(self, name: str) -> None:
        """Let a suspended agent call again (operator only)."""
        self.request("POST", f"/api/v1/agents/{name}/resume")
