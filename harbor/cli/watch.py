"""``harbor approvals watch``: pending approvals live in the terminal, decided by a key press.

The screen and the keys are separate from the logic: :class:`ApprovalWatch` holds the state
and acts on one key at a time, :func:`run_watch` loops with any key source (the terminal's
in :func:`terminal_keys`, a scripted one in the tests).
"""

from __future__ import annotations

import json
import os
import select
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from harbor.errors import InvalidRequest

#: Reads one key, waiting at most the given seconds; None when none was pressed.
KeyReader = Callable[[float], str | None]
HELP = "j/k or ↑/↓ select · a approve · d deny · r refresh · q quit"
ARROWS = {"\x1b[A": "up", "\x1b[B": "down"}


@dataclass
class ApprovalWatch:
    """The pending approvals, which one is selected, and the last thing that happened."""

    client: Any
    deny_reason: str = ""
    pending: list[Any] = field(default_factory=list)
    selected: int = 0
    message: str = ""

    def refresh(self) -> None:
        """Read the pending approvals again, keeping the selection on the same one if it is."""
        chosen = self.current()
        self.pending = self.client.list_approvals("pending")
        ids = [a.id for a in self.pending]
        if chosen is not None and chosen.id in ids:
            self.selected = ids.index(chosen.id)
        self.selected = min(self.selected, max(len(self.pending) - 1, 0))

    def current(self) -> Any | None:
        """The selected approval, if there is any."""
        return self.pending[self.selected] if self.pending else None

    def handle(self, key: str) -> bool:
        """Act on one key; False when the operator quits."""
        if key in ("q", "\x03", "\x04"):
            return False
        if key in ("j", "down"):
            self.selected = min(self.selected + 1, max(len(self.pending) - 1, 0))
        elif key in ("k", "up"):
            self.selected = max(self.selected - 1, 0)
        elif key in ("a", "d"):
            self._decide(approve=key == "a")
        elif key == "r":
            self.refresh()
        return True

    def _decide(self, *, approve: bool) -> None:
        from harbor_client.errors import HarborError

        chosen = self.current()
        if chosen is None:
            self.message = "nothing to decide"
            return
        try:
            if approve:
                self.client.approve(chosen.id, note="approved in harbor approvals watch")
                self.message = f"approved {chosen.id}: {chosen.action} runs once"
            else:
                self.client.deny(chosen.id, reason=self.deny_reason)
                self.message = f"denied {chosen.id}: {chosen.action}"
        except HarborError as err:
            self.message = f"error: {err}"
        self.refresh()

    def render(self) -> Group:
        """The screen: the table of pending approvals, the last message and the keys."""
        table = Table("", "approval", "action", "risk", "agent", "arguments", "expires",
                      title="pending approvals", expand=True)  # fmt: skip
        for index, a in enumerate(self.pending):
            mark = "▶" if index == self.selected else ""
            style = "reverse" if index == self.selected else ""
            arguments = json.dumps(a.arguments, sort_keys=True)
            table.add_row(mark, a.id, f"{a.action} v{a.version}", a.risk, a.agent,
                          arguments[:80], a.expires_at.isoformat(timespec="seconds"),
                          style=style)  # fmt: skip
        if not self.pending:
            table.add_row("", "nothing is waiting for you", "", "", "", "", "")
        return Group(table, Text(self.message), Text(HELP, style="dim"))


def run_watch(
    watch: ApprovalWatch, read_key: KeyReader, console: Console, interval: float = 2.0
) -> None:
    """Show the approvals live and act on keys until the operator quits."""
    watch.refresh()
    with Live(watch.render(), console=console, auto_refresh=False, transient=False) as live:
        while True:
            key = read_key(interval)
            if key is None:
                watch.refresh()
            elif not watch.handle(key):
                return
            live.update(watch.render(), refresh=True)


@contextmanager
def terminal_keys() -> Iterator[KeyReader]:
    """Read single key presses from the terminal (no Enter needed); restores it after."""
    import termios
    import tty

    if not sys.stdin.isatty():
        raise InvalidRequest("`harbor approvals watch` needs a terminal; use `approvals list`")
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def read_key(timeout: float) -> str | None:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return None
        key = os.read(fd, 8).decode(errors="replace")
        return ARROWS.get(key, key[:1])

    try:
        yield read_key
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


#: Where ``harbor approvals watch`` gets its keys; tests replace it with a scripted source.
key_source: Callable[[], AbstractContextManager[KeyReader]] = terminal_keys
