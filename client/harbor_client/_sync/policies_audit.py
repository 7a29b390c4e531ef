# Generated from harbor_client/_async by client/scripts/unasync_client.py: do not edit.
"""The operator's policy rules and the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from harbor_client._base import drop_none
from harbor_client._sync.core import SyncCore
from harbor_client.models import (
    AuditEventPublic,
    AuditPage,
    AuditPrune,
    AuditPruneResult,
    AuditVerify,
    PolicyExplainRequest,
    PolicyExplanation,
    PolicyRuleCreate,
    PolicyRuleMove,
    PolicyRuleOrder,
    PolicyRulePublic,
    PolicyRuleUpdate,
)


class SyncPoliciesAuditAPI(SyncCore):
    """Policy rules (first match decides) and the hash-chained audit log."""

    # -- policies --------------------------------------------------------------------------

    def list_policies(self) -> list[PolicyRulePublic]:
        """Every policy rule in evaluation order (operator only)."""
        return self._get_list("/api/v1/policies", PolicyRulePublic)

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
        response = self.request("PUT", "/api/v1/policies/order", json=body)
        return [PolicyRulePublic.model_validate(rule) for rule in response.json()]

    def move_policy(self, rule_id: int, position: int) -> list[PolicyRulePublic]:
        """Move one rule to a 1-based position; the rest keep their order (operator only)."""
        body = PolicyRuleMove(position=position).model_dump()
        response = self.request("POST", f"/api/v1/policies/{rule_id}/move", json=body)
        return [PolicyRulePublic.model_validate(rule) for rule in response.json()]

    def explain_policy(
        self, agent: str, action: str, arguments: dict[str, Any] | None = None
    ) -> PolicyExplanation:
        """What policy would answer for a call, without running or counting it (operator)."""
        body = PolicyExplainRequest(agent=agent, action=action, arguments=arguments or {})
        return self._send("POST", "/api/v1/policies/explain", body, PolicyExplanation)

    # -- audit log -------------------------------------------------------------------------

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
        params = drop_none(
            type=type, actor=actor, port=port, action=action, call=call, outcome=outcome,
            since=since, until=until, limit=limit, cursor=cursor,
        )  # fmt: skip
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
        params = drop_none(
            format=format, type=type, actor=actor, port=port, action=action, call=call,
            outcome=outcome, since=since, until=until,
        )  # fmt: skip
        for line in self._stream_lines("/api/v1/audit/export", params):
            record: dict[str, Any] = json.loads(line)
            yield record

    def verify_audit(self) -> AuditVerify:
        """Recompute the audit hash chain on the node (operator only)."""
        return self._get("/api/v1/audit/verify", AuditVerify)

    def prune_audit(self, before: datetime | None = None) -> AuditPruneResult:
        """Delete events older than ``before`` (default: the retention setting; operator)."""
        body = AuditPrune(before=before)
        return self._send("POST", "/api/v1/audit/prune", body, AuditPruneResult)
