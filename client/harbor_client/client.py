"""A synchronous client for a Harbor node: authentication and problem+json errors."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from harbor_client.calls_api import CallsAPI
from harbor_client.errors import HarborError, Unavailable, error_from_problem
from harbor_client.models import (
    AgentCreate,
    AgentCreated,
    AgentKeyCreate,
    AgentKeyCreated,
    AgentPublic,
    AuditEventPublic,
    AuditPage,
    AuditPrune,
    AuditPruneResult,
    AuditVerify,
    Health,
    LoginRequest,
    OperatorSettings,
    OperatorSettingsUpdate,
    PasswordChange,
    PolicyExplainRequest,
    PolicyExplanation,
    PolicyRuleCreate,
    PolicyRuleOrder,
    PolicyRulePublic,
    PolicyRuleUpdate,
    SetupRequest,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    Whoami,
)

DEFAULT_URL = "http://127.0.0.1:8765"
M = TypeVar("M", bound=BaseModel)


class NodeUnreachable(Unavailable):
    """The node did not answer at all (not running, wrong address)."""


class HarborClient(CallsAPI):
    """Talks to one Harbor node with an agent key or an operator token.

    ``url`` and ``key`` default to the ``HARBOR_URL`` and ``HARBOR_KEY`` environment
    variables. Every non-2xx answer is raised as the :mod:`harbor_client.errors` class of
    its code.
    """

    def __init__(
        self,
        url: str | None = None,
        key: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = (url or os.environ.get("HARBOR_URL") or DEFAULT_URL).rstrip("/")
        self.key = key if key is not None else os.environ.get("HARBOR_KEY")
        headers = {"Accept": "application/json", "User-Agent": "harbor-client"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._http.close()

    def __enter__(self) -> HarborClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send a request; raise the matching HarborError for any problem answer."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as err:
            raise NodeUnreachable(
                f"cannot reach the Harbor node at {self.url} ({err.__class__.__name__}); "
                "is `harbor serve` running and HARBOR_URL right?"
            ) from err
        if response.is_success:
            return response
        raise self._error_for(response)

    @staticmethod
    def _error_for(response: httpx.Response) -> HarborError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {"detail": f"HTTP {response.status_code}: {response.text[:200]}"}
        return error_from_problem(body, response.status_code, dict(response.headers))

    def _get(self, path: str, model: type[M], **kwargs: Any) -> M:
        return model.model_validate(self.request("GET", path, **kwargs).json())

    def _send(self, method: str, path: str, body: BaseModel | None, model: type[M]) -> M:
        payload = body.model_dump(mode="json", exclude_unset=True) if body else None
        return model.model_validate(self.request(method, path, json=payload).json())

    # -- node --------------------------------------------------------------------------

    def health(self) -> Health:
        """The node's health (public)."""
        response = self._http.get("/api/v1/health")
        if response.status_code not in (200, 503):
            raise self._error_for(response)
        return Health.model_validate(response.json())

    def whoami(self) -> Whoami:
        """Who the configured credential belongs to."""
        return self._get("/api/v1/auth/whoami", Whoami)

    def setup(self, setup_token: str, password: str) -> TokenCreated:
        """Set the operator password with the one-time setup token."""
        body = SetupRequest(setup_token=setup_token, password=password)
        return self._send("POST", "/api/v1/setup", body, TokenCreated)

    def login(self, password: str, token_name: str = "login") -> TokenCreated:
        """Sign in as the operator; returns a new operator token."""
        body = LoginRequest(password=password, token_name=token_name)
        return self._send("POST", "/api/v1/auth/login", body, TokenCreated)

    def change_password(self, current_password: str, new_password: str) -> None:
        """Change the operator password (operator only)."""
        body = PasswordChange(current_password=current_password, new_password=new_password)
        self.request("POST", "/api/v1/auth/password", json=body.model_dump())

    # -- agents ------------------------------------------------------------------------

    def create_agent(
        self,
        name: str,
        scopes: list[str],
        description: str = "",
        expires_in_days: int | None = None,
    ) -> AgentCreated:
        """Create an agent and its first key (operator only)."""
        body = AgentCreate(
            name=name, scopes=scopes, description=description, expires_in_days=expires_in_days
        )
        return self._send("POST", "/api/v1/agents", body, AgentCreated)

    def list_agents(self) -> list[AgentPublic]:
        """Every agent with its keys (operator only)."""
        data = self.request("GET", "/api/v1/agents").json()
        return TypeAdapter(list[AgentPublic]).validate_python(data)

    def get_agent(self, name: str) -> AgentPublic:
        """One agent by name (operator only)."""
        return self._get(f"/api/v1/agents/{name}", AgentPublic)

    def revoke_agent(self, name: str) -> AgentPublic:
        """Revoke an agent and every key it has (operator only)."""
        return self._send("POST", f"/api/v1/agents/{name}/revoke", None, AgentPublic)

    def create_agent_key(self, name: str, expires_in_days: int | None = None) -> AgentKeyCreated:
        """Add a key to an agent (operator only)."""
        body = AgentKeyCreate(expires_in_days=expires_in_days)
        return self._send("POST", f"/api/v1/agents/{name}/keys", body, AgentKeyCreated)

    def revoke_agent_key(self, name: str, key_id: int) -> None:
        """Revoke one key of an agent (operator only)."""
        self.request("POST", f"/api/v1/agents/{name}/keys/{key_id}/revoke")

    # -- operator tokens ---------------------------------------------------------------

    def create_token(self, name: str, expires_in_days: int | None = None) -> TokenCreated:
        """Create an operator API token (operator only)."""
        body = TokenCreate(name=name, expires_in_days=expires_in_days)
        return self._send("POST", "/api/v1/tokens", body, TokenCreated)

    def list_tokens(self) -> list[TokenPublic]:
        """Every operator token, without the token values (operator only)."""
        data = self.request("GET", "/api/v1/tokens").json()
        return TypeAdapter(list[TokenPublic]).validate_python(data)

    def revoke_token(self, token_id: int) -> TokenPublic:
        """Revoke an operator token (operator only)."""
        return self._send("POST", f"/api/v1/tokens/{token_id}/revoke", None, TokenPublic)

    # -- operator state ----------------------------------------------------------------

    def get_settings(self) -> OperatorSettings:
        """The operator state (operator only)."""
        return self._get("/api/v1/settings", OperatorSettings)

    def update_settings(self, update: OperatorSettingsUpdate) -> OperatorSettings:
        """Change some operator state fields (operator only)."""
        return self._send("PATCH", "/api/v1/settings", update, OperatorSettings)

    # -- audit -------------------------------------------------------------------------

    def verify_audit(self) -> AuditVerify:
        """Recompute the audit hash chain on the node (operator only)."""
        return self._get("/api/v1/audit/verify", AuditVerify)

    # -- policies ----------------------------------------------------------------------

    def list_policies(self) -> list[PolicyRulePublic]:
        """Every policy rule in evaluation order (operator only)."""
        data = self.request("GET", "/api/v1/policies").json()
        return TypeAdapter(list[PolicyRulePublic]).validate_python(data)

    def get_policy(self, rule_id: int) -> PolicyRulePublic:
        """One policy rule (operator only)."""
        return self._get(f"/api/v1/policies/{rule_id}", PolicyRulePublic)

    def create_policy(self, rule: PolicyRuleCreate) -> PolicyRulePublic:
        """Add a policy rule, last or at ``rule.position`` (operator only)."""
        return self._send("POST", "/api/v1/policies", rule, PolicyRulePublic)

    def update_policy(self, rule_id: int, update: PolicyRuleUpdate) -> PolicyRulePublic:
        """Change the fields set on ``update``; None clears an optional one (operator only)."""
        return self._send("PATCH", f"/api/v1/policies/{rule_id}", update, PolicyRulePublic)

    def delete_policy(self, rule_id: int) -> None:
        """Delete a policy rule (operator only)."""
        self.request("DELETE", f"/api/v1/policies/{rule_id}")

    def reorder_policies(self, ids: list[int]) -> list[PolicyRulePublic]:
        """Set the evaluation order: every rule id exactly once (operator only)."""
        body = PolicyRuleOrder(ids=ids).model_dump()
        data = self.request("PUT", "/api/v1/policies/order", json=body).json()
        return TypeAdapter(list[PolicyRulePublic]).validate_python(data)

    def explain_policy(
        self, agent: str, action: str, arguments: dict[str, Any] | None = None
    ) -> PolicyExplanation:
        """What policy would answer for a call, without running or counting it (operator only)."""
        body = PolicyExplainRequest(agent=agent, action=action, arguments=arguments or {})
        return self._send("POST", "/api/v1/policies/explain", body, PolicyExplanation)

    # -- audit log ---------------------------------------------------------------------

    def list_audit(
        self,
        *,
        type: str | None = None,
        actor: str | None = None,
        port: str | None = None,
        action: str | None = None,
        call: str | None = None,
        outcome: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> AuditPage:
        """One page of audit events, newest first; pass ``next_cursor`` on (operator only).

        ``type`` is exact or a prefix ending in ``.`` (``call.``); ``actor`` is a name or
        ``type:name``; ``until`` is exclusive.
        """
        params = _audit_params(type, actor, port, action, call, outcome, since, until)
        params["limit"] = limit
        if cursor:
            params["cursor"] = cursor
        return self._get("/api/v1/audit", AuditPage, params=params)

    def iter_audit(self, **filters: Any) -> Iterator[AuditEventPublic]:
        """Every matching audit event, newest first, following the cursors (operator only)."""
        cursor: str | None = None
        while True:
            page = self.list_audit(**filters, cursor=cursor)
            yield from page.events
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def export_audit(
        self,
        format: Literal["jsonl", "cloudevents"] = "jsonl",
        *,
        type: str | None = None,
        actor: str | None = None,
        port: str | None = None,
        action: str | None = None,
        call: str | None = None,
        outcome: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Stream matching events, oldest first, as dicts (CloudEvents when asked; operator)."""
        params = _audit_params(type, actor, port, action, call, outcome, since, until)
        params["format"] = format
        try:
            with self._http.stream("GET", "/api/v1/audit/export", params=params) as response:
                if not response.is_success:
                    response.read()
                    raise self._error_for(response)
                for line in response.iter_lines():
                    if line.strip():
                        yield json.loads(line)
        except httpx.TransportError as err:
            raise NodeUnreachable(
                f"cannot reach the Harbor node at {self.url} ({err.__class__.__name__})"
            ) from err

    def prune_audit(self, before: datetime | None = None) -> AuditPruneResult:
        """Delete events older than ``before`` (default: the retention setting; operator only)."""
        return self._send(
            "POST", "/api/v1/audit/prune", AuditPrune(before=before), AuditPruneResult
        )


def _audit_params(
    type: str | None,
    actor: str | None,
    port: str | None,
    action: str | None,
    call: str | None,
    outcome: str | None,
    since: datetime | None,
    until: datetime | None,
) -> dict[str, Any]:
    """The query string of the audit filters that are set."""
    values: dict[str, Any] = {
        "type": type,
        "actor": actor,
        "port": port,
        "action": action,
        "call": call,
        "outcome": outcome,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    return {name: value for name, value in values.items() if value is not None}
