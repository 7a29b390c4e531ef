"""``/api/v1/settings``: operator state (operator only)."""

from __future__ import annotations

from fastapi import APIRouter

from harbor.api.deps import ActorDep, NodeDep
from harbor.contracts import OperatorSettings, OperatorSettingsUpdate, ProcessConfig
from harbor.runtime import node_config, state

router = APIRouter(prefix="/settings", tags=["settings"])


@router.get("", response_model=OperatorSettings)
def read_settings(node: NodeDep, actor: ActorDep) -> OperatorSettings:
    """The operator state: policy defaults, approval TTL, public URL, trusted sources."""
    with node.store.session(actor) as session:
        return state.get_operator_settings(session)


@router.patch("", response_model=OperatorSettings)
def update_settings(
    body: OperatorSettingsUpdate, node: NodeDep, actor: ActorDep
) -> OperatorSettings:
    """Change the fields sent; the others keep their value."""
    with node.store.session(actor) as session:
        return state.update_operator_settings(session, body)


@router.get("/process", response_model=ProcessConfig)
def read_process_config(node: NodeDep) -> ProcessConfig:
    """The process configuration (read-only) with each value's source, and network exposure."""
    return node_config.process_config(node.settings)
