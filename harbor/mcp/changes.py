"""Telling connected MCP clients that their tool list changed, in both protocol generations.

- Handshake-era sessions (protocol 2025-11-25 and older, the ``mcp`` 1.x clients) get
  ``notifications/tools/list_changed`` on their session's standalone stream. Each session is
  remembered when it lists its tools, with a fingerprint of what it was shown, so only the
  sessions whose list really changed are told.
- 2026-07-28 clients have no session: they open a ``subscriptions/listen`` stream, and the
  change is published on the subscription bus that feeds those streams.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mcp.server.session import ServerSession
from mcp.server.subscriptions import SubscriptionBus, ToolsListChanged

log = logging.getLogger("harbor.mcp")

#: Answers the current fingerprint of the tool list one remembered session would see.
Fingerprinter = Callable[[Any], Awaitable[str]]


def fingerprint(tools: Iterable[tuple[str, int]]) -> str:
    """A short digest of (qualified name, version) pairs: equal lists, equal digests."""
    digest = hashlib.sha256()
    for name, version in sorted(tools):
        digest.update(f"{name}@{version}\n".encode())
    return digest.hexdigest()[:32]


@dataclass
class _Listener:
    session: ServerSession
    owner: Any
    fingerprint: str
    seen: float


class ToolListFanout:
    """Remembers handshake-era sessions and announces tool-list changes to every client."""

    def __init__(self, bus: SubscriptionBus, idle_seconds: float | None = None) -> None:
        self.bus = bus
        self.idle_seconds = idle_seconds
        self._listeners: dict[str, _Listener] = {}

    def remember(self, key: str, session: ServerSession, owner: Any, fingerprint: str) -> None:
        """Remember a session (by its id) and what its tool list looked like."""
        self._listeners[key] = _Listener(session, owner, fingerprint, time.monotonic())

    def forget(self, key: str) -> None:
        """The session ended."""
        self._listeners.pop(key, None)

    def fingerprint_of(self, key: str) -> str | None:
        """What the session was last shown, or None when it is not remembered."""
        listener = self._listeners.get(key)
        if listener is None:
            return None
        listener.seen = time.monotonic()
        return listener.fingerprint

    async def tell(self, key: str, fingerprint: str) -> None:
        """Tell one session its list changed (found on its own request: another worker's change)."""
        listener = self._listeners.get(key)
        if listener is not None:
            listener.fingerprint = fingerprint
            await listener.session.send_tool_list_changed()

    async def announce(self, current: Fingerprinter | None = None) -> None:
        """Tell every session whose list changed (all of them without ``current``), and the bus."""
        self._drop_idle()
        for key, listener in list(self._listeners.items()):
            try:
                if current is not None:
                    now = await current(listener.owner)
                    if now == listener.fingerprint:
                        continue
                    listener.fingerprint = now
                await listener.session.send_tool_list_changed()
            except Exception:
                log.exception("could not tell MCP session %s its tools changed", key[:12])
        await self.bus.publish(ToolsListChanged())

    def _drop_idle(self) -> None:
        """Forget sessions the transport has closed for idleness (it never says so)."""
        if self.idle_seconds is None:
            return
        horizon = time.monotonic() - self.idle_seconds
        for key in [k for k, v in self._listeners.items() if v.seen < horizon]:
            del self._listeners[key]
