"""Sharing and observing a node: packs, Dock imports, received events, the overview."""

from __future__ import annotations

from harbor_client._async.core import AsyncCore
from harbor_client._base import drop_none
from harbor_client.dock_models import DockImportRequest, DockImportResult, DockPreview
from harbor_client.event_models import InboundEventPage
from harbor_client.models import AuditEventPublic
from harbor_client.overview_models import NodeOverview
from harbor_client.pack_models import (
    HarborPack,
    PackExportRequest,
    PackImportPlan,
    PackImportRequest,
)


class AsyncSharingAPI(AsyncCore):
    """Packs and Dock manifests (never with secrets), inbound events, the node at a glance."""

    async def export_pack(self, request: PackExportRequest) -> HarborPack:
        """The chosen ports (without secrets), actions and rules as a pack (operator only)."""
        return await self._send("POST", "/api/v1/packs/export", request, HarborPack)

    async def import_pack(self, request: PackImportRequest) -> PackImportPlan:
        """Plan a pack's import (``dry_run``, the default) or apply it (operator only)."""
        return await self._send("POST", "/api/v1/packs/import", request, PackImportPlan)

    async def preview_dock_import(self, request: DockImportRequest) -> DockPreview:
        """What importing a Dock manifest would create; changes nothing (operator only)."""
        return await self._send("POST", "/api/v1/dock/preview", request, DockPreview)

    async def import_dock_manifest(self, request: DockImportRequest) -> DockImportResult:
        """Import a Dock manifest: port, drafts and suggested rules, in one step (operator)."""
        return await self._send("POST", "/api/v1/dock/import", request, DockImportResult)

    async def list_port_events(
        self, port: str, *, limit: int = 50, cursor: str | None = None
    ) -> InboundEventPage:
        """Events a port received, newest first (agents: ports their scopes cover)."""
        params = drop_none(limit=limit, cursor=cursor)
        return await self._get(f"/api/v1/ports/{port}/events", InboundEventPage, params=params)

    async def get_audit_event(self, seq: int) -> AuditEventPublic:
        """One audit event by its sequence number (operator only)."""
        return await self._get(f"/api/v1/audit/{seq}", AuditEventPublic)

    async def overview(self) -> NodeOverview:
        """The node at a glance: health, counts, last 24 hours of calls (operator only)."""
        return await self._get("/api/v1/node/overview", NodeOverview)
