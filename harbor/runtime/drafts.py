"""Drafts: draft -> validated -> tested -> published, or rejected."""

from __future__ import annotations

from typing import Any

import anyio
from sqlmodel import Session, col, select

from harbor.connector import InvalidDefinition
from harbor.contracts import (
    DraftCreate,
    DraftPublic,
    DraftStatus,
    DraftTestResult,
    DraftUpdate,
    ProblemError,
    Risk,
    TemplatesApply,
    ValidationReport,
)
from harbor.errors import Conflict, InvalidArguments, NotFound
from harbor.node import Node
from harbor.runtime import execution
from harbor.runtime.actions import publish_version
from harbor.runtime.audit import Actor, record_change
from harbor.runtime.connectors import get_connector
from harbor.runtime.ports import get_port
from harbor.runtime.schemas import instance_errors, schema_errors
from harbor.store.ports import Draft, Port
from harbor.store.types import utcnow

OPEN_STATUSES = ("draft", "validated", "tested")


def draft_public(draft: Draft, port_name: str) -> DraftPublic:
    """The public view of a draft."""
    assert draft.id is not None
    status: DraftStatus = draft.status  # type: ignore[assignment]
    risk: Risk = draft.risk  # type: ignore[assignment]
    return DraftPublic(
        id=draft.id,
        port=port_name,
        action=draft.action_name,
        kind=draft.kind,
        description=draft.description,
        risk=risk,
        input_schema=draft.input_schema,
        definition=draft.definition,
        status=status,
        validation=ValidationReport.model_validate(draft.validation) if draft.validation else None,
        test=DraftTestResult.model_validate(draft.test_result) if draft.test_result else None,
        reason=draft.reason,
        published_version=draft.published_version,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
    )


def _load(session: Session, draft_id: int) -> tuple[Draft, Port]:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"no draft with id {draft_id}")
    port = session.get(Port, draft.port_id)
    assert port is not None
    return draft, port


def _require_open(draft: Draft) -> None:
    if draft.status not in OPEN_STATUSES:
        raise Conflict(f"draft {draft.id} is {draft.status}; create a new draft instead")


def _open_draft_for(session: Session, port: Port, action: str, other_than: int | None) -> bool:
    query = select(Draft).where(
        Draft.port_id == port.id,
        Draft.action_name == action,
        col(Draft.status).in_(OPEN_STATUSES),
    )
    return any(d.id != other_than for d in session.exec(query).all())


def create_draft(session: Session, port_name: str, spec: DraftCreate) -> DraftPublic:
    """A new draft on a port (a new action, or the next version of an existing one)."""
    port = get_port(session, port_name)
    assert port.id is not None
    draft = Draft(
        port_id=port.id,
        action_name=spec.action,
        kind=spec.kind,
        description=spec.description,
        risk=spec.risk,
        input_schema=spec.input_schema,
        definition=spec.definition,
    )
    session.add(draft)
    session.flush()
    record_change(
        session, "draft.created", f"action:{port.name}.{spec.action}", details={"draft": draft.id}
    )
    return draft_public(draft, port.name)


def list_drafts(session: Session, port_name: str) -> list[DraftPublic]:
    """Every draft of a port, newest first."""
    port = get_port(session, port_name)
    rows = session.exec(
        select(Draft).where(Draft.port_id == port.id).order_by(col(Draft.id).desc())
    ).all()
    return [draft_public(d, port.name) for d in rows]


def read_draft(session: Session, draft_id: int) -> DraftPublic:
    """One draft."""
    draft, port = _load(session, draft_id)
    return draft_public(draft, port.name)


def update_draft(session: Session, draft_id: int, spec: DraftUpdate) -> DraftPublic:
    """Change a draft; it goes back to ``draft`` and must be validated again."""
    draft, port = _load(session, draft_id)
    _require_open(draft)
    changes = spec.model_dump(exclude_unset=True, exclude_none=True)
    for key, value in changes.items():
        setattr(draft, key, value)
    draft.status, draft.validation, draft.test_result = "draft", None, None
    draft.updated_at = utcnow()
    session.add(draft)
    record_change(
        session,
        "draft.updated",
        f"action:{port.name}.{draft.action_name}",
        details={"draft": draft.id, "changed": sorted(changes)},
    )
    return draft_public(draft, port.name)


def draft_problems(node: Node, session: Session, draft: Draft, port: Port) -> list[ProblemError]:
    """Everything wrong with a draft: kind, definition, input schema, name."""
    connector = get_connector(node, port.connector)
    kind = connector.action_kinds.get(draft.kind)
    if kind is None:
        kinds = ", ".join(sorted(connector.action_kinds)) or "none"
        return [ProblemError(pointer="/kind", message=f"unknown kind (this connector: {kinds})")]
    errors = instance_errors(kind.definition_schema, draft.definition, prefix="/definition")
    if not errors:
        try:
            connector.validate_definition(draft.kind, draft.definition)
        except InvalidDefinition as err:
            errors.append(ProblemError(pointer="/definition", message=err.message))
    schema_problems = schema_errors(draft.input_schema)
    errors += [
        ProblemError(pointer="/input_schema" + e.pointer, message=e.message)
        for e in schema_problems
    ]
    if not schema_problems and draft.input_schema.get("type") != "object":
        errors.append(ProblemError(pointer="/input_schema/type", message="must be 'object'"))
    if _open_draft_for(session, port, draft.action_name, other_than=draft.id):
        errors.append(
            ProblemError(
                pointer="/action",
                message=f"another open draft of '{draft.action_name}' exists on this port",
            )
        )
    return errors


def validate_draft(session: Session, node: Node, draft_id: int) -> DraftPublic:
    """Check the draft and record the report; a valid draft becomes ``validated``."""
    draft, port = _load(session, draft_id)
    _require_open(draft)
    errors = draft_problems(node, session, draft, port)
    report = ValidationReport(ok=not errors, errors=errors, validated_at=utcnow())
    draft.validation = report.model_dump(mode="json")
    draft.status = "validated" if report.ok else "draft"
    draft.test_result = None
    draft.updated_at = utcnow()
    session.add(draft)
    record_change(
        session,
        "draft.validated",
        f"action:{port.name}.{draft.action_name}",
        outcome="ok" if report.ok else "invalid",
        details={"draft": draft.id, "errors": len(errors)},
    )
    return draft_public(draft, port.name)


async def run_draft_test(
    node: Node, draft_id: int, arguments: dict[str, Any], actor: Actor
) -> DraftPublic:
    """Run a validated draft once against its real port with sample arguments."""
    draft, port_name = await anyio.to_thread.run_sync(_testable_draft, node, draft_id, arguments)
    prepared = await anyio.to_thread.run_sync(execution.prepare_port, node, port_name)
    action = f"{port_name}.{draft.action_name}"
    try:
        result = await execution.run_once(
            node, prepared, draft.kind, draft.definition, arguments, action=action
        )
        outcome = DraftTestResult(ok=True, arguments=arguments, result=result, tested_at=utcnow())
    except Exception as err:  # the run failed: that is the test's result, not an API error
        error = execution.connector_error(err)
        outcome = DraftTestResult(ok=False, arguments=arguments, error=error, tested_at=utcnow())
    return await anyio.to_thread.run_sync(_store_test, node, draft_id, outcome, actor)


def _testable_draft(node: Node, draft_id: int, arguments: dict[str, Any]) -> tuple[Draft, str]:
    with node.store.session() as session:
        draft, port = _load(session, draft_id)
        _require_open(draft)
        if draft.status == "draft":
            raise Conflict(f"draft {draft_id} is not validated yet; validate it first")
        errors = instance_errors(draft.input_schema, arguments, prefix="/arguments")
        if errors:
            raise InvalidArguments(
                "the sample arguments do not match the input schema: "
                + "; ".join(f"{e.pointer}: {e.message}" for e in errors[:3]),
                extra={"errors": [e.model_dump() for e in errors]},
            )
        return draft, port.name


def _store_test(node: Node, draft_id: int, outcome: DraftTestResult, actor: Actor) -> DraftPublic:
    with node.store.session(actor) as session:
        draft, port = _load(session, draft_id)
        draft.test_result = outcome.model_dump(mode="json")
        draft.status = "tested" if outcome.ok else "validated"
        draft.updated_at = utcnow()
        session.add(draft)
        record_change(
            session,
            "draft.tested",
            f"action:{port.name}.{draft.action_name}",
            outcome="ok" if outcome.ok else "failed",
            details={"draft": draft.id, "error": outcome.error.message if outcome.error else None},
        )
        return draft_public(draft, port.name)


def publish_draft(session: Session, draft_id: int, force: bool) -> DraftPublic:
    """Publish a validated draft as the action's next immutable version."""
    draft, port = _load(session, draft_id)
    _require_open(draft)
    if draft.status == "draft":
        raise Conflict(f"draft {draft_id} has not passed validation; validate it first")
    if draft.status != "tested" and not force:
        raise Conflict(
            f"draft {draft_id} was not tested; test it, or publish with force to skip the test"
        )
    fields = {
        "kind": draft.kind,
        "description": draft.description,
        "risk": draft.risk,
        "input_schema": draft.input_schema,
        "definition": draft.definition,
    }
    forced = draft.status != "tested"
    version = publish_version(
        session, port, draft.action_name, fields, draft_id=draft.id, forced=forced
    )
    draft.status, draft.published_version = "published", version.version
    draft.updated_at = utcnow()
    session.add(draft)
    return draft_public(draft, port.name)


def reject_draft(session: Session, draft_id: int, reason: str) -> DraftPublic:
    """Reject a draft with the operator's reason."""
    draft, port = _load(session, draft_id)
    _require_open(draft)
    draft.status, draft.reason = "rejected", reason
    draft.updated_at = utcnow()
    session.add(draft)
    record_change(
        session,
        "draft.rejected",
        f"action:{port.name}.{draft.action_name}",
        details={"draft": draft.id, "reason": reason},
    )
    return draft_public(draft, port.name)


def apply_templates(
    session: Session, node: Node, port_name: str, spec: TemplatesApply
) -> list[DraftPublic]:
    """Create drafts from the connector's starter templates ("add the usual actions")."""
    port = get_port(session, port_name)
    templates = get_connector(node, port.connector).templates
    chosen = [t for t in templates if not spec.names or t.name in spec.names]
    unknown = set(spec.names) - {t.name for t in templates}
    if unknown:
        raise NotFound(f"connector '{port.connector}' has no template {sorted(unknown)}")
    return [
        create_draft(
            session,
            port_name,
            DraftCreate(
                action=t.name,
                kind=t.kind,
                description=t.description,
                risk=t.risk,
                input_schema=t.input_schema,
                definition=t.definition,
            ),
        )
        for t in chosen
    ]
