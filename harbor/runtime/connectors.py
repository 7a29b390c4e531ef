"""What the installed connectors offer: types, config schemas, action kinds, templates."""

from __future__ import annotations

from harbor.connector import Connector
from harbor.contracts import ActionKindInfo, ActionTemplateInfo, ConnectorInfo
from harbor.errors import NotFound
from harbor.node import Node


def get_connector(node: Node, type_: str) -> Connector:
    """The connector instance for ``type_``, or NotFound naming what is installed."""
    connector = node.connectors.get(type_)
    if connector is None:
        installed = ", ".join(sorted(node.connectors)) or "none"
        raise NotFound(
            f"no connector '{type_}' is installed (installed: {installed}); "
            f"install it with `pip install harbor-{type_.replace('_', '-')}` and restart the node"
        )
    return connector


def connector_info(node: Node, connector: Connector) -> ConnectorInfo:
    """The public description of one connector."""
    record = next(
        (r for r in node.plugins.records.values() if connector.type in r.connectors), None
    )
    return ConnectorInfo(
        type=connector.type,
        title=connector.title,
        description=connector.description,
        distribution=record.distribution if record else None,
        version=record.version if record else None,
        config_schema=connector.config_schema,
        secret_fields=connector.secret_fields(),
        required_secrets=connector.required_secrets(),
        action_kinds=[
            ActionKindInfo(
                name=name,
                title=kind.title,
                description=kind.description,
                definition_schema=kind.definition_schema,
                default_risk=kind.default_risk,
            )
            for name, kind in connector.action_kinds.items()
        ],
        receives_events=connector.receives_events(),
        oauth=connector.oauth is not None,
    )


def list_connectors(node: Node) -> list[ConnectorInfo]:
    """Every installed connector, by type."""
    return [connector_info(node, node.connectors[t]) for t in sorted(node.connectors)]


def list_templates(node: Node, type_: str) -> list[ActionTemplateInfo]:
    """The starter action templates a connector ships."""
    connector = get_connector(node, type_)
    return [
        ActionTemplateInfo(
            name=t.name,
            kind=t.kind,
            description=t.description,
            risk=t.risk,
            input_schema=t.input_schema,
            definition=t.definition,
        )
        for t in connector.templates
    ]
