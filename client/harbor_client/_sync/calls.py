# Generated from harbor_client/_async by client/scripts/unasync_client.py: do not edit.
"""The agent's side: the actions a key may call, calls, waiting for approval, cancelling."""

from __future__ import annotations

import time
from typing import Any

from harbor_client._base import (
    CallStillPending,
    call_id_of,
    drop_none,
    outcome_error,
    poll_seconds,
)
from harbor_client._sync.core import SyncCore
from harbor_client.call_models import (
    FINAL_CALL_STATUSES,
    CallableAction,
    CallCreate,
    CallPage,
    CallPublic,
    CallStatus,
)


class SyncCallsAPI(SyncCore):
    """What an agent does: list actions, call them, wait for the operator, cancel."""

    def list_actions(self) -> list[CallableAction]:
        """The published, enabled actions this key may call: name, description, schema, risk."""
        return self._get_list("/api/v1/actions", CallableAction)

    def create_call(
        self,
        action: str,
        arguments: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> CallPublic:
        """POST one call as is: the finished call, or the ``pending_approval`` one (202).

        Denials and failures the node answers at once raise (``PolicyDenied``,
        ``UpstreamFailed``, ...). :meth:`call` adds waiting on top of this.
        """
        body = CallCreate(action=action, arguments=arguments or {}).model_dump(mode="json")
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self.request("POST", "/api/v1/calls", json=body, headers=headers)
        return CallPublic.model_validate(response.json())

    def call(
        self,
        action: str,
        arguments: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        wait: float = 0,
    ) -> CallPublic:
        """Call ``port.action``; its result is ``.result`` of the call returned.

        When the call needs the operator's approval, wait up to ``wait`` seconds for it to
        be decided and run. A call that is still waiting after that is returned as a
        pending handle (``.pending`` is true): pass it to :meth:`wait_for`, :meth:`get_call`
        or :meth:`cancel`. A call that ends otherwise raises: ``PolicyDenied``,
        ``ApprovalDenied`` (with the operator's ``reason``), ``ApprovalExpired``,
        ``UpstreamFailed``, ``UpstreamTimeout``, ... Pass an ``idempotency_key`` to make a
        retry of the same request safe: the node answers it with the first call.
        """
        made = self.create_call(action, arguments, idempotency_key=idempotency_key)
        if made.status in FINAL_CALL_STATUSES or wait <= 0:
            return _raise_if_failed(made)
        return _raise_if_failed(self._wait(made, wait))

    def get_call(self, call: CallPublic | str, *, wait: float = 0) -> CallPublic:
        """One call as it is now; ``wait`` long-polls up to that many seconds (at most 60).

        Never raises for a denied or failed call: read ``status`` and ``error``.
        """
        params = {"wait": wait} if wait else {}
        return self._get(f"/api/v1/calls/{call_id_of(call)}", CallPublic, params=params)

    def wait_for(self, call: CallPublic | str, timeout: float = 300) -> CallPublic:
        """Wait up to ``timeout`` seconds for a call to end; return it when it succeeded.

        Raises as :meth:`call` does when it ended otherwise, and ``CallStillPending``
        (a ``TimeoutError`` carrying ``.call``) when it is still waiting after ``timeout``.
        """
        current = self._wait(call, timeout)
        if current.status not in FINAL_CALL_STATUSES:
            raise CallStillPending(current)
        return _raise_if_failed(current)

    def cancel(self, call: CallPublic | str) -> CallPublic:
        """Cancel a call of this agent that still waits for approval; it will never run."""
        response = self.request("POST", f"/api/v1/calls/{call_id_of(call)}/cancel")
        return CallPublic.model_validate(response.json())

    def list_calls(
        self,
        *,
        status: CallStatus | None = None,
        agent: str | None = None,
        action: str | None = None,
        port: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> CallPage:
        """Calls, newest first (an agent gets only its own); pass ``next_cursor`` on."""
        params = drop_none(
            status=status, agent=agent, action=action, port=port, limit=limit, cursor=cursor
        )
        return self._get("/api/v1/calls", CallPage, params=params)

    def _wait(self, call: CallPublic | str, timeout: float) -> CallPublic:
        """Long-poll until the call is final or ``timeout`` seconds passed; the call then."""
        deadline = time.monotonic() + timeout
        current = call if isinstance(call, CallPublic) else self.get_call(call)
        while current.status not in FINAL_CALL_STATUSES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            current = self.get_call(current.id, wait=poll_seconds(remaining))
        return current


def _raise_if_failed(call: CallPublic) -> CallPublic:
    """The call itself, unless it ended in a way that is an error for its caller."""
    error = outcome_error(call)
    if error is not None:
        raise error
    return call
