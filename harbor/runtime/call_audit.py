"""Audit events about one call: the call's ids and trace id on every event, fail-closed."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from harbor.errors import AuditUnavailable
from harbor.runtime.audit import SYSTEM, AuditLog
from harbor.store.calls import Call


def audit_call(
    session: Session,
    type: str,
    call: Call,
    *,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
) -> None:
    """Record ``type`` for ``call`` in the session's transaction, as the session's actor.

    Any failure to write is AuditUnavailable: the caller's transaction rolls back and, for
    an intent event, the outside call never happens.
    """
    log = session.info.get("harbor_audit")
    if not isinstance(log, AuditLog):
        raise AuditUnavailable("no audit log is bound to this session; the call was refused")
    actor = session.info.get("harbor_actor") or SYSTEM
    try:
        log.record(
            session,
            actor,
            type,
            f"call:{call.id}",
            outcome=outcome,
            details={"action": call.action, "version": call.version, **(details or {})},
            trace_id=call.trace_id,
            port=call.port,
            action=call.action,
            call_id=call.id,
        )
    except Exception as err:  # fail closed on any failure to write, whatever its kind
        raise AuditUnavailable(
            "the audit log could not be written, so the call was refused and nothing was run"
        ) from err
