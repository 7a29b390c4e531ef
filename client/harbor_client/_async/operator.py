"""The operator's side: approvals, the emergency stop, agents, tokens, settings, the node."""

from __future__ import annotations

from typing import Any

from harbor_client._async.core import AsyncCore
from harbor_client._base import drop_none, error_for
from harbor_client.call_models import (
    ApprovalApprove,
    ApprovalDeny,
    ApprovalPublic,
    ApprovalStatus,
    PauseRequest,
    PauseState,
)
from harbor_client.models import (
    AgentCreate,
    AgentCreated,
    AgentKeyCreate,
    AgentKeyCreated,
    AgentPublic,
    AgentUpdate,
    Health,
    LoginRequest,
    OperatorSettings,
    OperatorSettingsUpdate,
    PasswordChange,
    PluginInfo,
    ProcessConfig,
    SetupRequest,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    Whoami,
)


class AsyncOperatorAPI(AsyncCore):
    """What the operator does besides configuring ports: decide, stop, manage identities."""

    # -- the node --------------------------------------------------------------------------

    async def health(self) -> Health:
        """The node's health (public): ``ok``, ``degraded`` or ``unavailable``."""
        response = await self._exchange("GET", "/api/v1/health")
        if response.status_code not in (200, 503):
            raise error_for(response)
        return Health.model_validate(response.json())

    async def list_plugins(self) -> list[PluginInfo]:
        """Every plugin the node loaded or failed to load, with versions (operator only)."""
        return await self._get_list("/api/v1/plugins", PluginInfo)

    async def whoami(self) -> Whoami:
        """Who the configured credential belongs to: role, name, scopes."""
        return await self._get("/api/v1/auth/whoami", Whoami)

    async def setup(self, setup_token: str, password: str) -> TokenCreated:
        """First run: set the operator password with the one-time setup token."""
        body = SetupRequest(setup_token=setup_token, password=password)
        return await self._send("POST", "/api/v1/setup", body, TokenCreated)

    async def login(self, password: str, token_name: str = "login") -> TokenCreated:
        """Sign in as the operator; returns a new operator token."""
        body = LoginRequest(password=password, token_name=token_name)
        return await self._send("POST", "/api/v1/auth/login", body, TokenCreated)

    async def change_password(self, current_password: str, new_password: str) -> None:
        """Change the operator password (operator only)."""
        body = PasswordChange(current_password=current_password, new_password=new_password)
        await self.request("POST", "/api/v1/auth/password", json=body.model_dump())

    # -- approvals -------------------------------------------------------------------------

    async def list_approvals(
        self, status: ApprovalStatus | None = "pending"
    ) -> list[ApprovalPublic]:
        """Approvals, newest first; pending ones by default, every one with None (operator)."""
        params = drop_none(status=status)
        return await self._get_list("/api/v1/approvals", ApprovalPublic, params=params)

    async def get_approval(self, approval_id: str) -> ApprovalPublic:
        """One approval with the exact arguments it is about (operator only)."""
        return await self._get(f"/api/v1/approvals/{approval_id}", ApprovalPublic)

    async def approve(
        self,
        approval_id: str,
        *,
        note: str = "",
        arguments: dict[str, Any] | None = None,
        remember: bool = False,
        remember_arguments: bool = False,
    ) -> ApprovalPublic:
        """Approve a call so it runs once (operator only).

        ``arguments`` replaces the agent's (approve with edits; checked against the input
        schema again). ``remember`` adds a rule allowing this action for this agent from
        now on; with ``remember_arguments`` only for these exact arguments.
        """
        body = ApprovalApprove(
            note=note, arguments=arguments, remember=remember, remember_arguments=remember_arguments
        )
        path = f"/api/v1/approvals/{approval_id}/approve"
        return await self._send("POST", path, body, ApprovalPublic)

    async def deny(self, approval_id: str, *, reason: str = "") -> ApprovalPublic:
        """Deny a call; the reason reaches the agent (operator only)."""
        path = f"/api/v1/approvals/{approval_id}/deny"
        return await self._send("POST", path, ApprovalDeny(reason=reason), ApprovalPublic)

    # -- the emergency stop ----------------------------------------------------------------

    async def pause_state(self) -> PauseState:
        """Whether calls are paused on the node, by whom and since when (operator only)."""
        return await self._get("/api/v1/node/pause", PauseState)

    async def pause(self, reason: str = "") -> PauseState:
        """Refuse every call on the node until resumed (operator only)."""
        return await self._send(
            "POST", "/api/v1/node/pause", PauseRequest(reason=reason), PauseState
        )

    async def resume(self) -> PauseState:
        """Let calls run again (operator only)."""
        return await self._send("POST", "/api/v1/node/resume", None, PauseState)

    # -- agents ----------------------------------------------------------------------------

    async def create_agent(
        self,
        name: str,
        scopes: list[str],
        description: str = "",
        expires_in_days: int | None = None,
    ) -> AgentCreated:
        """Create an agent and its first key; the key is in the answer only (operator only)."""
        body = AgentCreate(
            name=name, scopes=scopes, description=description, expires_in_days=expires_in_days
        )
        return await self._send("POST", "/api/v1/agents", body, AgentCreated)

    async def list_agents(self) -> list[AgentPublic]:
        """Every agent with its keys (operator only)."""
        return await self._get_list("/api/v1/agents", AgentPublic)

    async def get_agent(self, name: str) -> AgentPublic:
        """One agent by name (operator only)."""
        return await self._get(f"/api/v1/agents/{name}", AgentPublic)

    async def update_agent(
        self, name: str, scopes: list[str] | None = None, description: str | None = None
    ) -> AgentPublic:
        """Replace an agent's scopes or change its description (operator only)."""
        body = AgentUpdate(scopes=scopes, description=description)
        path = f"/api/v1/agents/{name}"
        response = await self.request("PATCH", path, json=body.model_dump(exclude_none=True))
        return AgentPublic.model_validate(response.json())

    async def revoke_agent(self, name: str) -> AgentPublic:
        """Revoke an agent and every key it has (operator only)."""
        return await self._send("POST", f"/api/v1/agents/{name}/revoke", None, AgentPublic)

    async def create_agent_key(
        self, name: str, expires_in_days: int | None = None
    ) -> AgentKeyCreated:
        """Add a key to an agent, for rotation; shown in the answer only (operator only)."""
        body = AgentKeyCreate(expires_in_days=expires_in_days)
        return await self._send("POST", f"/api/v1/agents/{name}/keys", body, AgentKeyCreated)

    async def revoke_agent_key(self, name: str, key_id: int) -> None:
        """Revoke one key of an agent (operator only)."""
        await self.request("POST", f"/api/v1/agents/{name}/keys/{key_id}/revoke")

    async def rotate_agent_key(
        self, name: str, key_id: int, expires_in_days: int | None = None
    ) -> AgentKeyCreated:
        """Replace a key: the new one is returned once, the old one revoked (operator only)."""
        body = AgentKeyCreate(expires_in_days=expires_in_days)
        path = f"/api/v1/agents/{name}/keys/{key_id}/rotate"
        return await self._send("POST", path, body, AgentKeyCreated)

    async def suspend_agent(self, name: str, reason: str = "") -> AgentPublic:
        """Refuse every call of one agent until resumed; its keys stay valid (operator only)."""
        path = f"/api/v1/agents/{name}/suspend"
        return await self._send("POST", path, PauseRequest(reason=reason), AgentPublic)

    async def resume_agent(self, name: str) -> AgentPublic:
        """Let a suspended agent call again (operator only)."""
        return await self._send("POST", f"/api/v1/agents/{name}/resume", None, AgentPublic)

    # -- operator tokens -------------------------------------------------------------------

    async def create_token(self, name: str, expires_in_days: int | None = None) -> TokenCreated:
        """Create an operator API token; shown in the answer only (operator only)."""
        body = TokenCreate(name=name, expires_in_days=expires_in_days)
        return await self._send("POST", "/api/v1/tokens", body, TokenCreated)

    async def list_tokens(self) -> list[TokenPublic]:
        """Every operator token, without the token values (operator only)."""
        return await self._get_list("/api/v1/tokens", TokenPublic)

    async def revoke_token(self, token_id: int) -> TokenPublic:
        """Revoke an operator token (operator only)."""
        return await self._send("POST", f"/api/v1/tokens/{token_id}/revoke", None, TokenPublic)

    # -- operator state --------------------------------------------------------------------

    async def get_settings(self) -> OperatorSettings:
        """The operator state: default effects, approval TTL, public URL, ... (operator)."""
        return await self._get("/api/v1/settings", OperatorSettings)

    async def update_settings(self, update: OperatorSettingsUpdate) -> OperatorSettings:
        """Change the operator state fields set on ``update`` (operator only)."""
        return await self._send("PATCH", "/api/v1/settings", update, OperatorSettings)

    async def get_process_config(self) -> ProcessConfig:
        """The node's process settings with each value's source (operator only)."""
        return await self._get("/api/v1/settings/process", ProcessConfig)
