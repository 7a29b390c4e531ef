"""The public shapes of events a port received at ``POST /hooks/{port}``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from harbor_client.models import Model

#: A position in a port's newest-first list of events (the node's sequence number).
EVENT_CURSOR_PATTERN = r"^[0-9]{1,18}$"


class InboundEventPublic(Model):
    """One event a port's connector verified and the node accepted."""

    id: str = Field(description="The sender's event id (webhook-id); unique per port")
    port: str
    type: str | None = Field(None, description="The payload's 'type', when it has one")
    payload: dict[str, Any]
    size: int = Field(description="Size of the delivered body in bytes")
    received_at: datetime


class InboundEventPage(Model):
    """A page of a port's events, newest first; pass ``next_cursor`` as ``cursor`` for more."""

    events: list[InboundEventPublic]
    next_cursor: str | None = None


class InboundEventAccepted(Model):
    """The answer to a sender whose delivery was accepted."""

    id: str = Field(description="The event id that was stored")
    port: str


__all__ = [
    "EVENT_CURSOR_PATTERN",
    "InboundEventAccepted",
    "InboundEventPage",
    "InboundEventPublic",
]
