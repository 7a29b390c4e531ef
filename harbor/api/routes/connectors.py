"""``/api/v1/connectors``: installed connector types and their starter templates."""

from __future__ import annotations

from fastapi import APIRouter

from harbor.api.deps import NodeDep
from harbor.contracts import ActionTemplateInfo, ConnectorInfo
from harbor.runtime import connectors

router = APIRouter(prefix="/connectors", tags=["connectors"])


@router.get("", response_model=list[ConnectorInfo])
def list_connectors(node: NodeDep) -> list[ConnectorInfo]:
    """Every installed connector with its config schema and action kinds."""
    return connectors.list_connectors(node)


@router.get("/{type}", response_model=ConnectorInfo)
def read_connector(type: str, node: NodeDep) -> ConnectorInfo:
    """One connector type."""
    return connectors.connector_info(node, connectors.get_connector(node, type))


@router.get("/{type}/templates", response_model=list[ActionTemplateInfo])
def list_templates(type: str, node: NodeDep) -> list[ActionTemplateInfo]:
    """The connector's ready-made action templates."""
    return connectors.list_templates(node, type)
