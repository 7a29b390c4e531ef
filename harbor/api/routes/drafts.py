"""Drafts: ``/api/v1/ports/{port}/drafts`` and ``/api/v1/drafts/{id}/...`` lifecycle steps."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, status

from harbor.api.deps import ActorDep, NodeDep, RowId
from harbor.contracts import (
    PORT_NAME_PATTERN,
    DraftCreate,
    DraftPublic,
    DraftPublish,
    DraftReject,
    DraftTestRequest,
    DraftUpdate,
    Problem,
)
from harbor.runtime import drafts

router = APIRouter(tags=["drafts"])
PortName = Path(pattern=PORT_NAME_PATTERN)
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "The draft is not in a state that allows this"}
}


@router.post(
    "/ports/{port}/drafts", response_model=DraftPublic, status_code=status.HTTP_201_CREATED
)
def create_draft(
    body: DraftCreate, node: NodeDep, actor: ActorDep, port: str = PortName
) -> DraftPublic:
    """Start a draft: a new action, or the next version of an existing one."""
    with node.store.session(actor) as session:
        return drafts.create_draft(session, port, body)


@router.get("/ports/{port}/drafts", response_model=list[DraftPublic])
def list_drafts(node: NodeDep, port: str = PortName) -> list[DraftPublic]:
    """Every draft of a port, newest first."""
    with node.store.session() as session:
        return drafts.list_drafts(session, port)


@router.get("/drafts/{draft_id}", response_model=DraftPublic)
def read_draft(draft_id: RowId, node: NodeDep) -> DraftPublic:
    """One draft with its validation and test results."""
    with node.store.session() as session:
        return drafts.read_draft(session, draft_id)


@router.patch("/drafts/{draft_id}", response_model=DraftPublic, responses=CONFLICT)
def update_draft(draft_id: RowId, body: DraftUpdate, node: NodeDep, actor: ActorDep) -> DraftPublic:
    """Change a draft; it must be validated again."""
    with node.store.session(actor) as session:
        return drafts.update_draft(session, draft_id, body)


@router.post("/drafts/{draft_id}/validate", response_model=DraftPublic, responses=CONFLICT)
def validate_draft(draft_id: RowId, node: NodeDep, actor: ActorDep) -> DraftPublic:
    """Check definition, input schema and name; the report is kept on the draft."""
    with node.store.session(actor) as session:
        return drafts.validate_draft(session, node, draft_id)


@router.post("/drafts/{draft_id}/test", response_model=DraftPublic, responses=CONFLICT)
async def test_draft(
    draft_id: RowId, body: DraftTestRequest, node: NodeDep, actor: ActorDep
) -> DraftPublic:
    """Run the draft once against the real port with sample arguments."""
    return await drafts.run_draft_test(node, draft_id, body.arguments, actor)


@router.post("/drafts/{draft_id}/publish", response_model=DraftPublic, responses=CONFLICT)
def publish_draft(
    draft_id: RowId, body: DraftPublish, node: NodeDep, actor: ActorDep
) -> DraftPublic:
    """Publish as a new immutable version (untested only with ``force``, audited as such)."""
    with node.store.session(actor) as session:
        return drafts.publish_draft(session, draft_id, body.force)


@router.post("/drafts/{draft_id}/reject", response_model=DraftPublic, responses=CONFLICT)
def reject_draft(draft_id: RowId, body: DraftReject, node: NodeDep, actor: ActorDep) -> DraftPublic:
    """Reject the draft with a reason."""
    with node.store.session(actor) as session:
        return drafts.reject_draft(session, draft_id, body.reason)
