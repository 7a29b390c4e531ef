"""Published actions: immutable versions, state, diffs between versions, roll back."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from harbor.contracts import (
    ActionDiff,
    ActionPublic,
    ActionState,
    ActionVersionPublic,
    DiffEntry,
    Risk,
)
from harbor.errors import Conflict, NotFound
from harbor.runtime.audit import record_change
from harbor.runtime.events import mark_tools_changed
from harbor.runtime.ports import get_port
from harbor.store.ports import Action, ActionVersion, Port
from harbor.store.types import utcnow

VERSIONED_FIELDS = ("kind", "description", "risk", "input_schema", "definition")


def version_public(version: ActionVersion) -> ActionVersionPublic:
    """The public view of one version."""
    risk: Risk = version.risk  # type: ignore[assignment]
    return ActionVersionPublic(
        version=version.version,
        kind=version.kind,
        description=version.description,
        risk=risk,
        input_schema=version.input_schema,
        definition=version.definition,
        forced=version.forced,
        draft_id=version.draft_id,
        rolled_back_from=version.rolled_back_from,
        published_at=version.published_at,
    )


def get_action(session: Session, port: Port, name: str) -> Action:
    """An action of a port by name, or NotFound."""
    action = session.exec(
        select(Action).where(Action.port_id == port.id, Action.name == name)
    ).first()
    if action is None:
        raise NotFound(f"port '{port.name}' has no action named '{name}'")
    return action


def get_version(session: Session, action: Action, version: int) -> ActionVersion:
    """One version of an action, or NotFound."""
    row = session.exec(
        select(ActionVersion).where(
            ActionVersion.action_id == action.id, ActionVersion.version == version
        )
    ).first()
    if row is None:
        raise NotFound(f"action has no version {version} (latest is {action.current_version})")
    return row


def action_public(session: Session, port: Port, action: Action) -> ActionPublic:
    """The public view of an action with its current version."""
    state: ActionState = action.state  # type: ignore[assignment]
    return ActionPublic(
        port=port.name,
        name=action.name,
        qualified_name=f"{port.name}.{action.name}",
        state=state,
        current_version=action.current_version,
        current=version_public(get_version(session, action, action.current_version)),
        updated_at=action.updated_at,
    )


def list_actions(session: Session, port_name: str) -> list[ActionPublic]:
    """Every action of a port, by name."""
    port = get_port(session, port_name)
    rows = session.exec(
        select(Action).where(Action.port_id == port.id).order_by(col(Action.name))
    ).all()
    return [action_public(session, port, a) for a in rows]


def read_action(session: Session, port_name: str, name: str) -> ActionPublic:
    """One action with its current version."""
    port = get_port(session, port_name)
    return action_public(session, port, get_action(session, port, name))


def list_versions(session: Session, port_name: str, name: str) -> list[ActionVersionPublic]:
    """Every published version of an action, newest first."""
    port = get_port(session, port_name)
    action = get_action(session, port, name)
    rows = session.exec(
        select(ActionVersion)
        .where(ActionVersion.action_id == action.id)
        .order_by(col(ActionVersion.version).desc())
    ).all()
    return [version_public(v) for v in rows]


def publish_version(
    session: Session,
    port: Port,
    name: str,
    fields: dict[str, Any],
    *,
    draft_id: int | None = None,
    forced: bool = False,
    rolled_back_from: int | None = None,
) -> ActionVersion:
    """Append a new immutable version (creating the action on its first publish)."""
    assert port.id is not None
    action = session.exec(
        select(Action).where(Action.port_id == port.id, Action.name == name)
    ).first()
    if action is None:
        action = Action(port_id=port.id, name=name)
        session.add(action)
        session.flush()
    if action.state == "archived":
        raise Conflict(f"action '{port.name}.{name}' is archived; restore it before publishing")
    assert action.id is not None
    version = ActionVersion(
        action_id=action.id,
        version=action.current_version + 1,
        draft_id=draft_id,
        forced=forced,
        rolled_back_from=rolled_back_from,
        **{k: fields[k] for k in VERSIONED_FIELDS},
    )
    action.current_version = version.version
    action.updated_at = utcnow()
    session.add(version)
    session.add(action)
    session.flush()
    mark_tools_changed(session)
    record_change(
        session,
        "action.published",
        f"action:{port.name}.{name}",
        outcome="forced" if forced else "ok",
        details={
            "version": version.version,
            "draft_id": draft_id,
            "forced": forced,
            "rolled_back_from": rolled_back_from,
        },
    )
    return version


def set_action_state(
    session: Session, port_name: str, name: str, state: ActionState
) -> ActionPublic:
    """Enable, disable or archive an action."""
    port = get_port(session, port_name)
    action = get_action(session, port, name)
    if action.state != state:
        before = action.state
        action.state = state
        action.updated_at = utcnow()
        session.add(action)
        mark_tools_changed(session)
        record_change(
            session,
            "action.state_changed",
            f"action:{port.name}.{name}",
            details={"from": before, "to": state},
        )
    return action_public(session, port, action)


def rollback_action(session: Session, port_name: str, name: str, version: int) -> ActionPublic:
    """Publish an earlier version's definition as a new version."""
    port = get_port(session, port_name)
    action = get_action(session, port, name)
    if version == action.current_version:
        raise Conflict(f"version {version} is already the current version")
    earlier = get_version(session, action, version)
    fields = {k: getattr(earlier, k) for k in VERSIONED_FIELDS}
    publish_version(session, port, name, fields, rolled_back_from=version)
    return action_public(session, port, action)


def diff_versions(
    session: Session, port_name: str, name: str, from_version: int, to_version: int
) -> ActionDiff:
    """What changed between two versions of an action, by JSON pointer."""
    port = get_port(session, port_name)
    action = get_action(session, port, name)
    before = get_version(session, action, from_version)
    after = get_version(session, action, to_version)
    changes: list[DiffEntry] = []
    for field in VERSIONED_FIELDS:
        changes.extend(json_diff(getattr(before, field), getattr(after, field), f"/{field}"))
    return ActionDiff(from_version=from_version, to_version=to_version, changes=changes)


def json_diff(before: Any, after: Any, pointer: str = "") -> list[DiffEntry]:
    """A structural diff of two JSON values, as pointer-addressed changes."""
    if isinstance(before, dict) and isinstance(after, dict):
        entries: list[DiffEntry] = []
        for key in sorted(set(before) | set(after)):
            child = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in before:
                entries.append(DiffEntry(pointer=child, after=after[key], change="added"))
            elif key not in after:
                entries.append(DiffEntry(pointer=child, before=before[key], change="removed"))
            else:
                entries.extend(json_diff(before[key], after[key], child))
        return entries
    if before == after:
        return []
    return [DiffEntry(pointer=pointer, before=before, after=after, change="changed")]
