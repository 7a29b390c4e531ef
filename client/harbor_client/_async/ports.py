"""The operator's configuration: connectors, ports and secrets, drafts, published actions."""

from __future__ import annotations

from typing import Any

from harbor_client._async.core import AsyncCore
from harbor_client.models import (
    ActionDiff,
    ActionPublic,
    ActionRollback,
    ActionState,
    ActionStateUpdate,
    ActionTemplateInfo,
    ActionVersionPublic,
    ConnectorInfo,
    DraftCreate,
    DraftPublic,
    DraftPublish,
    DraftReject,
    DraftTestRequest,
    DraftUpdate,
    PortCreate,
    PortPublic,
    PortUpdate,
    SecretSet,
    TemplatesApply,
)


class AsyncPortsAPI(AsyncCore):
    """Connectors, ports, drafts and published actions (operator only)."""

    # -- connectors ------------------------------------------------------------------------

    async def list_connectors(self) -> list[ConnectorInfo]:
        """The installed connector types with their config schemas and action kinds."""
        return await self._get_list("/api/v1/connectors", ConnectorInfo)

    async def get_connector(self, type: str) -> ConnectorInfo:
        """One connector type."""
        return await self._get(f"/api/v1/connectors/{type}", ConnectorInfo)

    async def list_templates(self, type: str) -> list[ActionTemplateInfo]:
        """A connector's starter actions, ready to become drafts."""
        return await self._get_list(f"/api/v1/connectors/{type}/templates", ActionTemplateInfo)

    # -- ports -----------------------------------------------------------------------------

    async def list_ports(self) -> list[PortPublic]:
        """Every port with its status and which secrets are set."""
        return await self._get_list("/api/v1/ports", PortPublic)

    async def get_port(self, name: str) -> PortPublic:
        """One port."""
        return await self._get(f"/api/v1/ports/{name}", PortPublic)

    async def create_port(
        self,
        name: str,
        connector: str,
        config: dict[str, Any] | None = None,
        description: str = "",
    ) -> PortPublic:
        """Create a port of a connector with its non-secret config; set secrets next."""
        body = PortCreate(
            name=name, connector=connector, config=config or {}, description=description
        )
        return await self._send("POST", "/api/v1/ports", body, PortPublic)

    async def update_port(self, name: str, update: PortUpdate) -> PortPublic:
        """Change a port's description, config (the whole object) or disabled flag."""
        return await self._send("PATCH", f"/api/v1/ports/{name}", update, PortPublic)

    async def enable_port(self, name: str) -> PortPublic:
        """Let a disabled port take calls again."""
        return await self.update_port(name, PortUpdate(disabled=False))

    async def disable_port(self, name: str) -> PortPublic:
        """Refuse every call on a port (``port_not_ready``) until enabled."""
        return await self.update_port(name, PortUpdate(disabled=True))

    async def delete_port(self, name: str) -> None:
        """Delete a port with its secrets, actions and drafts."""
        await self.request("DELETE", f"/api/v1/ports/{name}")

    async def set_port_secret(
        self,
        port: str,
        name: str,
        *,
        value: str | None = None,
        reference: str | None = None,
    ) -> PortPublic:
        """Set a secret: a ``value`` stored encrypted, or a ``reference`` resolved at call time.

        A reference is ``env:NAME``, ``file:/absolute/path`` or ``keyring:service/name``.
        The value is never returned by any route.
        """
        body = SecretSet(value=value) if reference is None else SecretSet(reference=reference)
        return await self._send("PUT", f"/api/v1/ports/{port}/secrets/{name}", body, PortPublic)

    async def delete_port_secret(self, port: str, name: str) -> PortPublic:
        """Remove a secret from a port."""
        return await self._send("DELETE", f"/api/v1/ports/{port}/secrets/{name}", None, PortPublic)

    async def check_port(self, name: str) -> PortPublic:
        """Run the connector's connection test; the result is ``last_check`` on the port."""
        return await self._send("POST", f"/api/v1/ports/{name}/check", None, PortPublic)

    async def apply_templates(self, port: str, names: list[str] | None = None) -> list[DraftPublic]:
        """Drafts from the connector's starter templates: the named ones, or every one."""
        body = TemplatesApply(names=names or []).model_dump(mode="json")
        response = await self.request("POST", f"/api/v1/ports/{port}/templates/apply", json=body)
        return [DraftPublic.model_validate(draft) for draft in response.json()]

    # -- drafts ----------------------------------------------------------------------------

    async def create_draft(self, port: str, draft: DraftCreate) -> DraftPublic:
        """Start a draft: a new action, or the next version of an existing one."""
        return await self._send("POST", f"/api/v1/ports/{port}/drafts", draft, DraftPublic)

    async def list_drafts(self, port: str) -> list[DraftPublic]:
        """Every draft of a port, newest first."""
        return await self._get_list(f"/api/v1/ports/{port}/drafts", DraftPublic)

    async def get_draft(self, draft_id: int) -> DraftPublic:
        """One draft with its validation and test results."""
        return await self._get(f"/api/v1/drafts/{draft_id}", DraftPublic)

    async def update_draft(self, draft_id: int, update: DraftUpdate) -> DraftPublic:
        """Change a draft; it must be validated again."""
        return await self._send("PATCH", f"/api/v1/drafts/{draft_id}", update, DraftPublic)

    async def validate_draft(self, draft_id: int) -> DraftPublic:
        """Check definition, input schema and name; the report is ``validation``."""
        return await self._send("POST", f"/api/v1/drafts/{draft_id}/validate", None, DraftPublic)

    async def test_draft(
        self, draft_id: int, arguments: dict[str, Any] | None = None
    ) -> DraftPublic:
        """Run the draft once against the real port; the outcome is ``test``."""
        body = DraftTestRequest(arguments=arguments or {})
        return await self._send("POST", f"/api/v1/drafts/{draft_id}/test", body, DraftPublic)

    async def publish_draft(self, draft_id: int, *, force: bool = False) -> DraftPublic:
        """Publish as a new immutable version (untested only with ``force``, audited so)."""
        body = DraftPublish(force=force)
        return await self._send("POST", f"/api/v1/drafts/{draft_id}/publish", body, DraftPublic)

    async def reject_draft(self, draft_id: int, reason: str) -> DraftPublic:
        """Reject a draft with a reason."""
        body = DraftReject(reason=reason)
        return await self._send("POST", f"/api/v1/drafts/{draft_id}/reject", body, DraftPublic)

    # -- published actions -----------------------------------------------------------------

    async def list_port_actions(self, port: str) -> list[ActionPublic]:
        """Every published action of a port with its current version and state."""
        return await self._get_list(f"/api/v1/ports/{port}/actions", ActionPublic)

    async def get_action(self, port: str, action: str) -> ActionPublic:
        """One published action."""
        return await self._get(f"/api/v1/ports/{port}/actions/{action}", ActionPublic)

    async def set_action_state(self, port: str, action: str, state: ActionState) -> ActionPublic:
        """Enable, disable or archive an action."""
        body = ActionStateUpdate(state=state)
        path = f"/api/v1/ports/{port}/actions/{action}"
        return await self._send("PATCH", path, body, ActionPublic)

    async def list_action_versions(self, port: str, action: str) -> list[ActionVersionPublic]:
        """Every published version of an action, newest first."""
        path = f"/api/v1/ports/{port}/actions/{action}/versions"
        return await self._get_list(path, ActionVersionPublic)

    async def diff_action(
        self, port: str, action: str, from_version: int, to_version: int
    ) -> ActionDiff:
        """What changed between two versions of an action."""
        params = {"from_version": from_version, "to_version": to_version}
        path = f"/api/v1/ports/{port}/actions/{action}/diff"
        return await self._get(path, ActionDiff, params=params)

    async def rollback_action(self, port: str, action: str, version: int) -> ActionPublic:
        """Publish an earlier version's definition as a new version."""
        body = ActionRollback(version=version)
        path = f"/api/v1/ports/{port}/actions/{action}/rollback"
        return await self._send("POST", path, body, ActionPublic)
