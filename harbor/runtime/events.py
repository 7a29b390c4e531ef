"""In-process wake-ups for long-polls: "call X changed" from any thread to waiting tasks.

Only a latency shortcut: waiters also re-read the database on a short timer, so changes
made by another worker process are seen too.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict


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
