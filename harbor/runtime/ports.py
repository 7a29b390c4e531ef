"""Ports: configured connector instances, their status, secrets and connection checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from harbor.connector import Connector
from harbor.contracts import (
    PortCheck,
    PortCreate,
    PortLastCall,
    PortPublic,
    PortStatus,
    PortUpdate,
    ProblemError,
    SecretInfo,
    SecretSet,
)
from harbor.errors import Conflict, InvalidRequest, NotFound
from harbor.node import Node
from harbor.runtime import secrets
from harbor.runtime.audit import record_change
from harbor.runtime.connectors import get_connector
from harbor.runtime.events import mark_tools_changed
from harbor.runtime.schemas import instance_errors
from harbor.store.calls import Call
from harbor.store.ports import Port
from harbor.store.types import utcnow


def get_port(session: Session, name: str) -> Port:
    """A port by name, or NotFound."""
    port = session.exec(select(Port).where(Port.name == name)).first()
    if port is None:
        raise NotFound(f"no port named '{name}'")
    return port


def port_status(port: Port, connector: Connector | None, secret_names: set[str]) -> PortStatus:
    """The status pinned in DESIGN.md, from the port's state and its secrets."""
    if port.disabled or connector is None:
        return "disabled"
    if any(name not in secret_names for name in connector.required_secrets()):
        return "needs_secrets"
    if port.auth_failed:
        return "needs_reconnect"
    if connector.oauth is not None and "oauth:access_token" not in secret_names:
        return "needs_reconnect"  # an OAuth port that was never connected, or disconnected
    if port.last_check_ok is False:
        return "unhealthy"
    return "ready"


def last_call(session: Session, port_name: str) -> PortLastCall | None:
    """The newest call on a port, if it has had any."""
    call = session.exec(
        select(Call)
        .where(Call.port == port_name)
        .order_by(col(Call.created_at).desc(), col(Call.id).desc())
        .limit(1)
    ).first()
    if call is None:
        return None
    return PortLastCall(
        id=call.id,
        action=call.action,
        status=call.status,
        created_at=call.created_at,
    )


def port_public(session: Session, node: Node, port: Port) -> PortPublic:
    """The operator's view of a port: config, status, which secrets are set (never values)."""
    connector = node.connectors.get(port.connector)
    statuses = secrets.secret_statuses(session, port)
    fields = connector.secret_fields() if connector else sorted(statuses)
    required = set(connector.required_secrets()) if connector else set()
    secret_infos = [
        SecretInfo(
            name=name,
            set=name in statuses,
            required=name in required,
            kind=statuses[name].kind if name in statuses else None,
            reference_scheme=statuses[name].reference_scheme if name in statuses else None,
            set_at=statuses[name].set_at if name in statuses else None,
        )
        for name in fields
    ]
    last_check = None
    if port.last_check_at is not None and port.last_check_ok is not None:
        last_check = PortCheck(
            ok=port.last_check_ok, message=port.last_check_message, checked_at=port.last_check_at
        )
    return PortPublic(
        name=port.name,
        connector=port.connector,
        description=port.description,
        config=dict(port.config),
        status=port_status(port, connector, set(statuses)),
        secrets=secret_infos,
        last_check=last_check,
        created_at=port.created_at,
        updated_at=port.updated_at,
        last_call=last_call(session, port.name),
    )


def config_errors(connector: Connector, config: dict[str, Any]) -> list[ProblemError]:
    """Why ``config`` is not a valid non-secret config for ``connector``."""
    secret_fields = set(connector.secret_fields())
    errors = [
        ProblemError(
            pointer=f"/config/{name}",
            message=f"'{name}' is a secret: set it with PUT /api/v1/ports/<port>/secrets/{name}",
        )
        for name in sorted(secret_fields & set(config))
    ]
    schema = dict(connector.config_schema)
    schema["properties"] = {
        k: v for k, v in schema.get("properties", {}).items() if k not in secret_fields
    }
    schema["required"] = [r for r in schema.get("required", []) if r not in secret_fields]
    cleaned = {k: v for k, v in config.items() if k not in secret_fields}
    return errors + instance_errors(schema, cleaned, prefix="/config")


def _check_config(connector: Connector, config: dict[str, Any]) -> None:
    errors = config_errors(connector, config)
    if errors:
        summary = "; ".join(f"{e.pointer}: {e.message}" for e in errors[:3])
        raise InvalidRequest(
            f"invalid port config: {summary}",
            status=422,
            extra={"errors": [e.model_dump() for e in errors]},
        )


def list_ports(session: Session, node: Node) -> list[PortPublic]:
    """Every port, by name."""
    ports = session.exec(select(Port).order_by(col(Port.name))).all()
    return [port_public(session, node, p) for p in ports]


def create_port(session: Session, node: Node, spec: PortCreate) -> PortPublic:
    """Create a port; it needs its required secrets before it is ready."""
    connector = get_connector(node, spec.connector)
    _check_config(connector, spec.config)
    if session.exec(select(Port).where(Port.name == spec.name)).first() is not None:
        raise Conflict(f"a port named '{spec.name}' already exists; choose another name")
    port = Port(
        name=spec.name, connector=spec.connector, description=spec.description, config=spec.config
    )
    session.add(port)
    try:
        session.flush()
    except IntegrityError as err:
        raise Conflict(f"a port named '{spec.name}' already exists") from err
    record_change(
        session, "port.created", f"port:{port.name}", details={"connector": port.connector}
    )
    return port_public(session, node, port)


def update_port(session: Session, node: Node, name: str, spec: PortUpdate) -> PortPublic:
    """Change a port's description, config or disabled flag."""
    port = get_port(session, name)
    changed = spec.model_dump(exclude_unset=True)
    if spec.config is not None:
        _check_config(get_connector(node, port.connector), spec.config)
        port.config = spec.config
        port.last_check_ok, port.auth_failed = None, False  # a new config deserves a new check
    if spec.description is not None:
        port.description = spec.description
    if spec.disabled is not None and spec.disabled != port.disabled:
        port.disabled = spec.disabled
        mark_tools_changed(session)  # a disabled port's actions are no longer callable
    port.updated_at = utcnow()
    session.add(port)
    record_change(session, "port.updated", f"port:{name}", details={"changed": sorted(changed)})
    return port_public(session, node, port)


def delete_port(session: Session, name: str) -> None:
    """Delete a port with its secrets, actions and drafts."""
    port = get_port(session, name)
    session.delete(port)
    session.flush()
    record_change(session, "port.deleted", f"port:{name}")


def set_port_secret(
    session: Session, node: Node, name: str, secret_name: str, body: SecretSet
) -> PortPublic:
    """Set one secret of a port, as a value (encrypted) or a reference."""
    if (body.value is None) == (body.reference is None):
        raise InvalidRequest("send exactly one of 'value' or 'reference'")
    port = get_port(session, name)
    connector = get_connector(node, port.connector)
    if secret_name not in connector.secret_fields():
        fields = ", ".join(connector.secret_fields()) or "none"
        raise NotFound(
            f"connector '{port.connector}' has no secret named '{secret_name}' (secrets: {fields})"
        )
    secrets.set_secret(
        session, node.secret_box(), port, secret_name, value=body.value, reference=body.reference
    )
    # New credentials: the last check's verdict was about the old ones.
    port.auth_failed, port.last_check_ok = False, None
    port.updated_at = utcnow()
    session.add(port)
    return port_public(session, node, port)


def delete_port_secret(session: Session, node: Node, name: str, secret_name: str) -> PortPublic:
    """Remove one secret of a port."""
    port = get_port(session, name)
    secrets.delete_secret(session, port, secret_name)
    return port_public(session, node, port)


def set_port_secrets(
    session: Session, node: Node, name: str, values: dict[str, SecretSet]
) -> PortPublic:
    """Set several secrets of a port at once (all or none, in the caller's transaction)."""
    public = port_public(session, node, get_port(session, name))
    for secret_name, body in values.items():
        public = set_port_secret(session, node, name, secret_name, body)
    return public


def create_port_with_secrets(
    session: Session, node: Node, spec: PortCreate, values: dict[str, SecretSet]
) -> PortPublic:
    """Create a port and set its secrets in one transaction: a bad secret leaves no port."""
    create_port(session, node, spec)
    return set_port_secrets(session, node, spec.name, values)
