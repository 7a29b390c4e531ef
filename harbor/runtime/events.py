"""In-process wake-ups: "call X changed" for long-polls, "the callable actions changed" for MCP.

Only a latency shortcut: waiters also re-read the database on a short timer, so changes
made by another worker process are seen too.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session

log = logging.getLogger("harbor.runtime")


class CallEvents:
    """Lets ``GET /calls/{id}?wait=N`` return as soon as this process changes the call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = (
            defaultdict(list)
        )

    def notify(self, call_id: str) -> None:
        """Wake every task waiting on ``call_id`` (safe from any thread)."""
        with self._lock:
            waiters = self._waiters.pop(call_id, [])
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    async def wait_for_change(self, call_id: str, timeout: float) -> None:
        """Return when ``call_id`` is notified or after ``timeout`` seconds."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters[call_id].append(entry)
        try:
            await asyncio.wait_for(entry[1].wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                waiting = self._waiters.get(call_id)
                if waiting and entry in waiting:
                    waiting.remove(entry)
                    if not waiting:
                        del self._waiters[call_id]


# --- "The callable actions changed" (MCP's notifications/tools/list_changed) ---------------

#: Set on a session by a change to what agents may call; announced once the session commits.
TOOLS_CHANGED_KEY = "harbor_tools_changed"


class ToolListChanges:
    """Process-wide announcements that published, enabled actions changed.

    Announced after the committing transaction, never before (a rolled-back publish announces
    nothing). Listeners are called in the committing thread and must only schedule work.
    Other worker processes do not hear it: their MCP sessions find out on their next request.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[object, Callable[[], None]] = {}

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Register ``listener``; returns the function that unregisters it."""
        token = object()
        with self._lock:
            self._listeners[token] = listener

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(token, None)

        return unsubscribe

    def announce(self) -> None:
        """Call every listener, each on its own (one failing cannot silence the others)."""
        with self._lock:
            listeners = list(self._listeners.values())
        for listener in listeners:
            try:
                listener()
            except Exception:
                log.exception("a tool-list listener failed")


tool_list_changes = ToolListChanges()


def mark_tools_changed(session: Session) -> None:
    """Announce a change to the callable actions once ``session`` commits."""
    session.info[TOOLS_CHANGED_KEY] = True


@sqlalchemy_event.listens_for(Session, "after_commit")
def _announce_after_commit(session: Session) -> None:
    if session.info.pop(TOOLS_CHANGED_KEY, False):
        tool_list_changes.announce()


@sqlalchemy_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(TOOLS_CHANGED_KEY, None)
