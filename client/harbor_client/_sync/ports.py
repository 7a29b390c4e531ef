# Generated from harbor_client/_async by client/scripts/unasync_client.py: do not edit.
"""The operator's configuration: connectors, ports and secrets, drafts, published actions."""

from __future__ import annotations

from typing import Any

from harbor_client._sync.core import SyncCore
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


class SyncPortsAPI(SyncCore):
    """Connectors, ports, drafts and published actions (operator only)."""

    # -- connectors ------------------------------------------------------------------------

    def list_connectors(self) -> list[ConnectorInfo]:
        """The installed connector types with their config schemas and action kinds."""
        return self._get_list("/api/v1/connectors", ConnectorInfo)

    def get_connector(self, type: str) -> ConnectorInfo:
        """One connector type."""
        return self._get(f"/api/v1/connectors/{type}", ConnectorInfo)

    def list_templates(self, type: str) -> list[ActionTemplateInfo]:
        """A connector's starter actions, ready to become drafts."""
        return self._get_list(f"/api/v1/connectors/{type}/templates", ActionTemplateInfo)

    # -- ports -----------------------------------------------------------------------------

    def list_ports(self) -> list[PortPublic]:
        """Every port with its status and which secrets are set."""
        return self._get_list("/api/v1/ports", PortPublic)

    def get_port(self, name: str) -> PortPublic:
        """One port."""
        return self._get(f"/api/v1/ports/{name}", PortPublic)

    def create_port(
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
        return self._send("POST", "/api/v1/ports", body, PortPublic)

    def update_port(self, name: str, update: PortUpdate) -> PortPublic:
        """Change a port's description, config (the whole object) or disabled flag."""
        return self._send("PATCH", f"/api/v1/ports/{name}", update, PortPublic)

    def enable_port(self, name: str) -> PortPublic:
        """Let a disabled port take calls again."""
        return self.update_port(name, PortUpdate(disabled=False))

    def disable_port(self, name: str) -> PortPublic:
        """Refuse every call on a port (``port_not_ready``) until enabled."""
        return self.update_port(name, PortUpdate(disabled=True))

    def delete_port(self, name: str) -> None:
        """Delete a port with its secrets, actions and drafts."""
        self.request("DELETE", f"/api/v1/ports/{name}")

    def set_port_secret(
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
        return self._send("PUT", f"/api/v1/ports/{port}/secrets/{name}", body, PortPublic)

    def delete_port_secret(self, port: str, name: str) -> PortPublic:
        """Remove a secret from a port."""
        return self._send("DELETE", f"/api/v1/ports/{port}/secrets/{name}", None, PortPublic)

    def check_port(self, name: str) -> PortPublic:
        """Run the connector's connection test; the result is ``last_check`` on the port."""
        return self._send("POST", f"/api/v1/ports/{name}/check", None, PortPublic)

    def apply_templates(self, port: str, names: list[str] | None = None) -> list[DraftPublic]:
        """Drafts from the connector's starter templates: the named ones, or every one."""
        body = TemplatesApply(names=names or []).model_dump(mode="json")
        response = self.request("POST", f"/api/v1/ports/{port}/templates/apply", json=body)
        return [DraftPublic.model_validate(draft) for draft in response.json()]

    # -- drafts ----------------------------------------------------------------------------

    def create_draft(self, port: str, draft: DraftCreate) -> DraftPublic:
        """Start a draft: a new action, or the next version of an existing one."""
        return self._send("POST", f"/api/v1/ports/{port}/drafts", draft, DraftPublic)

    def list_drafts(self, port: str) -> list[DraftPublic]:
        """Every draft of a port, newest first."""
        return self._get_list(f"/api/v1/ports/{port}/drafts", DraftPublic)

    def get_draft(self, draft_id: int) -> DraftPublic:
        """One draft with its validation and test results."""
        return self._get(f"/api/v1/drafts/{draft_id}", DraftPublic)

    def update_draft(self, draft_id: int, update: DraftUpdate) -> DraftPublic:
        """Change a draft; it must be validated again."""
        return self._send("PATCH", f"/api/v1/drafts/{draft_id}", update, DraftPublic)

    def validate_draft(self, draft_id: int) -> DraftPublic:
        """Check definition, input schema and name; the report is ``validation``."""
        return self._send("POST", f"/api/v1/drafts/{draft_id}/validate", None, DraftPublic)

    def test_draft(self, draft_id: int, arguments: dict[str, Any] | None = None) -> DraftPublic:
        """Run the draft once against the real port; the outcome is ``test``."""
        body = DraftTestRequest(arguments=arguments or {})
        return self._send("POST", f"/api/v1/drafts/{draft_id}/test", body, DraftPublic)

    def publish_draft(self, draft_id: int, *, force: bool = False) -> DraftPublic:
        """Publish as a new immutable version (untested only with ``force``, audited so)."""
        body = DraftPublish(force=force)
        return self._send("POST", f"/api/v1/drafts/{draft_id}/publish", body, DraftPublic)

    def reject_draft(self, draft_id: int, reason: str) -> DraftPublic:
        """Reject a draft with a reason."""
        body = DraftReject(reason=reason)
        return self._send("POST", f"/api/v1/drafts/{draft_id}/reject", body, DraftPublic)

    # -- published actions -----------------------------------------------------------------

    def list_port_actions(self, port: str) -> list[ActionPublic]:
        """Every published action of a port with its current version and state."""
        return self._get_list(f"/api/v1/ports/{port}/actions", ActionPublic)

    def get_action(self, port: str, action: str) -> ActionPublic:
        """One published action."""
        return self._get(f"/api/v1/ports/{port}/actions/{action}", ActionPublic)

    def set_action_state(self, port: str, action: str, state: ActionState) -> ActionPublic:
        """Enable, disable or archive an action."""
        body = ActionStateUpdate(state=state)
        path = f"/api/v1/ports/{port}/actions/{action}"
        return self._send("PATCH", path, body, ActionPublic)

    def list_action_versions(self, port: str, action: str) -> list[ActionVersionPublic]:
        """Every published version of an action, newest first."""
        path = f"/api/v1/ports/{port}/actions/{action}/versions"
        return self._get_list(path, ActionVersionPublic)

    def diff_action(self, port: str, action: str, from_version: int, to_version: int) -> ActionDiff:
        """What changed between two versions of an action."""
        params = {"from_version": from_version, "to_version": to_version}
        path = f"/api/v1/ports/{port}/actions/{action}/diff"
        return self._get(path, ActionDiff, params=params)

    def rollback_action(self, port: str, action: str, version: int) -> ActionPublic:
        """Publish an earlier version's definition as a new version."""
        body = ActionRollback(version=version)
        path = f"/api/v1/ports/{port}/actions/{action}/rollback"
        return self._send("POST", path, body, ActionPublic)
