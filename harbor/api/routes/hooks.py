"""``POST /hooks/{port}`` (public: the signature authenticates) and a port's received events.

``router`` is mounted at the root, outside ``/api/v1``, so the URL a sender is given stays
short and stable; ``events_router`` is mounted under ``/api/v1``.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Path, Query, Request

from harbor.api.access import agent_access, public_access
from harbor.api.deps import NodeDep, PrincipalDep
from harbor.contracts import (
    EVENT_CURSOR_PATTERN,
    PORT_NAME_PATTERN,
    InboundEventAccepted,
    InboundEventPage,
    Problem,
)
from harbor.errors import PayloadTooLarge
from harbor.runtime.inbound import list_inbound_events, receive_inbound_event

#: Largest delivery a port accepts; smaller than the API's general limit, since anyone
#: can send one before its signature is checked.
MAX_HOOK_BODY_BYTES = 256 * 1024

router = APIRouter(tags=["hooks"])
events_router = APIRouter(prefix="/ports", tags=["hooks"])
PortName = Annotated[str, Path(pattern=PORT_NAME_PATTERN)]

_HOOK_OPENAPI: dict[str, Any] = {
    **public_access(),
    "requestBody": {
        "required": True,
        "description": "The event, signed by the sender (Standard Webhooks headers for "
        "webhook ports)",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
}


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


async def _read_body(request: Request) -> bytes:
    """The raw body (the signature covers its exact bytes), refusing one over the cap."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_HOOK_BODY_BYTES:
        raise PayloadTooLarge(f"a delivery may be at most {MAX_HOOK_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_HOOK_BODY_BYTES:
            raise PayloadTooLarge(f"a delivery may be at most {MAX_HOOK_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/hooks/{port}",
    response_model=InboundEventAccepted,
    responses={
        401: _problem("The signature, timestamp or headers are not valid; nothing was stored"),
        404: _problem("No such port, or the port receives no events"),
        409: _problem("The port is disabled, or already received an event with this id"),
        413: _problem(f"The body is larger than {MAX_HOOK_BODY_BYTES} bytes"),
    },
    openapi_extra=_HOOK_OPENAPI,
)
async def receive_event(port: PortName, request: Request, node: NodeDep) -> InboundEventAccepted:
    """Receive one signed event for a port; it is verified, stored once and audited."""
    body = await _read_body(request)
    headers = dict(request.headers)
    return await anyio.to_thread.run_sync(receive_inbound_event, node, port, headers, body)


@events_router.get(
    "/{port}/events",
    response_model=InboundEventPage,
    responses={404: _problem("No such port")},
    openapi_extra=agent_access(),
)
def list_events(
    port: PortName,
    node: NodeDep,
    principal: PrincipalDep,
    cursor: Annotated[str | None, Query(pattern=EVENT_CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> InboundEventPage:
    """Events the port received, newest first; agents see ports their scopes cover."""
    return list_inbound_events(node, principal, port, cursor, limit)
