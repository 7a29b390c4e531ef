"""Built-in plugin: a JSON-lines copy of the audit log in ``<data_dir>/audit.jsonl``.

Each committed batch of events is appended as one write (one JSON object per line, the
same fields as ``GET /api/v1/audit``) and fsynced. The file is a second place that holds
the head of the chain: ``harbor audit verify`` reports events missing from the database
that this file already holds. It only grows; rotate or archive it with the usual tools.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harbor.connector import hookimpl
from harbor.runtime.audit import canonical_json

if TYPE_CHECKING:
    from collections.abc import Callable

    from harbor.hookspecs import AuditSink
    from harbor.node import Node

FILE_NAME = "audit.jsonl"
#: How much of the end of the file is read to find the newest event.
TAIL_BYTES = 256 * 1024


class JsonLinesSink:
    """Appends audit events to a JSON-lines file (0600), one fsynced write per batch."""

    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Append ``events``, one line each, and fsync; raise if they were not kept."""
        data = b"".join(canonical_json(dict(ev)) + b"\n" for ev in events)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)

    def read_head(self) -> tuple[int, str] | None:
        """(seq, hash) of the newest event in the file, or None when it holds none."""
        try:
            with self.path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, size - TAIL_BYTES))
                tail = handle.read()
        except FileNotFoundError:
            return None
        except OSError:
            return (-1, "unreadable")
        newest: tuple[int, str] | None = None
        for line in tail.splitlines():
            head = _line_head(line)
            if head is not None and (newest is None or head[0] > newest[0]):
                newest = head
        return newest


def _line_head(line: bytes) -> tuple[int, str] | None:
    """(seq, hash) of one line; None for a cut-off first line or a torn last one."""
    try:
        record = json.loads(line)
        return int(record["seq"]), str(record["hash"])
    except (ValueError, KeyError, TypeError):
        return None


@hookimpl(trylast=True)
def harbor_register_audit_sinks(register: Callable[[AuditSink], None], node: Node) -> None:
    """The JSON-lines file in the data directory."""
    register(JsonLinesSink(node.settings.data_dir / FILE_NAME))
