"""``/metrics``: the node's Prometheus metrics (operator only, like everything it reveals)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter
from fastapi.responses import Response

from harbor.api.deps import NodeDep
from harbor.runtime.metrics import CONTENT_TYPE

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def read_metrics(node: NodeDep) -> Response:
    """Calls by action, decision and outcome; call and audit-write latency; pending approvals.

    Point Prometheus at it with the operator token as a bearer token.
    """
    body = await anyio.to_thread.run_sync(node.metrics.render)
    return Response(content=body, media_type=CONTENT_TYPE)
