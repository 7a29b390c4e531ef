"""Operator state: settings the operator edits at run time, kept in the database."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from harbor.contracts import OperatorSettings, OperatorSettingsUpdate
from harbor.errors import InvalidRequest
from harbor.runtime.audit import record_change
from harbor.store.models import NodeState
from harbor.store.types import utcnow

SETTINGS_KEY = "operator_settings"


def read_state(session: Session, key: str) -> Any:
    """The raw JSON value stored under ``key``, or None."""
    row = session.get(NodeState, key)
    return row.value if row is not None else None


def write_state(session: Session, key: str, value: Any) -> None:
    """Store a JSON value under ``key`` (in the caller's transaction)."""
    row = session.get(NodeState, key)
    if row is None:
        row = NodeState(key=key, value=value)
    else:
        row.value = value
        row.updated_at = utcnow()
    session.add(row)


def delete_state(session: Session, key: str) -> None:
    """Remove ``key`` if present."""
    row = session.get(NodeState, key)
    if row is not None:
        session.delete(row)


def get_operator_settings(session: Session) -> OperatorSettings:
    """The operator state, with defaults for anything never set."""
    stored = read_state(session, SETTINGS_KEY) or {}
    return OperatorSettings.model_validate(stored)


def update_operator_settings(session: Session, update: OperatorSettingsUpdate) -> OperatorSettings:
    """Apply the fields the caller sent and return the new operator state."""
    current = get_operator_settings(session).model_dump(mode="json")
    changes = update.model_dump(mode="json", exclude_unset=True)
    if "public_url" in changes and changes["public_url"] is not None:
        url = str(changes["public_url"]).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise InvalidRequest("public_url must start with http:// or https://")
        changes["public_url"] = url
    for key, value in changes.items():
        if value is None:  # null resets a field to its default
            current.pop(key, None)
        else:
            current[key] = value
    try:
        merged = OperatorSettings.model_validate(current)
    except ValidationError as err:
        raise InvalidRequest(f"invalid operator settings: {err.errors()[0]['msg']}") from err
    write_state(session, SETTINGS_KEY, merged.model_dump(mode="json"))
    record_change(
        session, "settings.updated", "settings:operator", details={"changed": sorted(changes)}
    )
    return merged
