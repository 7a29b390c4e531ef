"""What the synchronous and the asynchronous client share: no I/O happens here.

Both clients are one code base: ``_async/`` is written by hand and ``_sync/`` is generated
from it (``python client/scripts/unasync_client.py``). Everything that does not wait on the
network (where the node is, the headers, turning answers into models and errors) lives here
once, so the two can never drift apart.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import httpx

from harbor_client.call_models import FINAL_CALL_STATUSES, CallPublic
from harbor_client.errors import (
    ERROR_CLASSES,
    ERROR_CODES,
    ApprovalDenied,
    ApprovalExpired,
    CallCancelled,
    CallOutcomeUnknown,
    HarborError,
    NodeUnreachable,
    PolicyDenied,
    UpstreamFailed,
    error_from_problem,
)

DEFAULT_URL = "http://127.0.0.1:8765"
URL_ENV = "HARBOR_URL"
KEY_ENV = "HARBOR_KEY"
#: The node answers a long-poll after at most this many seconds; longer waits loop.
MAX_LONG_POLL_SECONDS = 60.0


class CallStillPending(TimeoutError):
    """``wait_for`` gave up: the call still waits (for approval, or to finish running)."""

    def __init__(self, call: CallPublic) -> None:
        super().__init__(f"call {call.id} is still {call.status}")
        self.call = call


def resolve_url(url: str | None) -> str:
    """The node's base URL: the argument, else ``HARBOR_URL``, else the local default."""
    return (url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")


def resolve_key(key: str | None) -> str | None:
    """The credential: the argument, else ``HARBOR_KEY`` (an agent key or operator token)."""
    if key is not None:
        return key
    return os.environ.get(KEY_ENV) or None


def default_headers(key: str | None) -> dict[str, str]:
    """The headers of every request: JSON, the client's name and the bearer credential."""
    headers = {"Accept": "application/json", "User-Agent": "harbor-client"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def unreachable(url: str, err: httpx.TransportError) -> NodeUnreachable:
    """The error for a node that did not answer at all."""
    return NodeUnreachable(
        f"cannot reach the Harbor node at {url} ({err.__class__.__name__}); "
        "is `harbor serve` running and HARBOR_URL right?"
    )


def error_for(response: httpx.Response) -> HarborError:
    """The HarborError class of a problem answer (read the body before calling)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {"detail": f"HTTP {response.status_code}: {response.text[:200]}"}
    return error_from_problem(body, response.status_code, dict(response.headers))


def outcome_error(call: CallPublic) -> HarborError | None:
    """The exception for a final call that did not succeed; None when it did or still runs."""
    if call.status not in FINAL_CALL_STATUSES or call.status == "succeeded":
        return None
    extra: dict[str, Any] = {"call_id": call.id, "call": call.model_dump(mode="json")}
    if call.status == "denied":
        if call.decision is not None and call.decision.effect == "deny":
            source = call.decision.source or "policy"
            detail = f"denied by {source}: {call.decision.reason or 'no reason given'}"
            return PolicyDenied(detail, extra={**extra, "rule": source})
        reason = call.reason or ""
        detail = f"the operator denied call {call.id}" + (f": {reason}" if reason else "")
        return ApprovalDenied(detail, extra={**extra, "reason": reason})
    if call.status == "expired":
        return ApprovalExpired(f"call {call.id} expired before anyone approved it", extra=extra)
    if call.status == "cancelled":
        return CallCancelled(f"call {call.id} was cancelled", extra=extra)
    if call.status == "unknown":
        detail = f"call {call.id} was interrupted while it ran; it may or may not have run"
        return CallOutcomeUnknown(detail, extra=extra)
    return _failure(call, extra)


def _failure(call: CallPublic, extra: dict[str, Any]) -> HarborError:
    """A failed call as the class of its error code (``upstream_failed`` when unknown)."""
    code = call.error.code if call.error else "upstream_failed"
    message = call.error.message if call.error else "no error recorded"
    cls = ERROR_CLASSES.get(code, UpstreamFailed)
    return cls(f"call {call.id} failed: {message}", status=ERROR_CODES[cls.code][0], extra=extra)


def call_id_of(call: CallPublic | str) -> str:
    """A call's id, from the call or the id itself."""
    return call.id if isinstance(call, CallPublic) else call


def poll_seconds(remaining: float) -> float:
    """How long the next long-poll may wait: what is left, at most the node's limit."""
    return max(0.0, min(remaining, MAX_LONG_POLL_SECONDS))


def drop_none(**values: Any) -> dict[str, Any]:
    """Query parameters without the ones that are not set; datetimes as ISO 8601."""
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in values.items()
        if value is not None
    }
