"""Structured logs: JSON lines (or plain text) carrying the request id and call id.

Log lines never carry secrets: callers log names and ids, never values, and
:class:`RedactingFilter` masks anything that looks like a Harbor credential as a last line
of defence.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("harbor_request_id", default=None)
call_id_var: ContextVar[str | None] = ContextVar("harbor_call_id", default=None)

_CREDENTIAL = re.compile(r"\b(hb[aos]_)[A-Za-z0-9_-]{8,}")
_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "call_id",
    "color_message",  # uvicorn's ANSI-coloured duplicate of the message
}


def redact_credentials(text: str) -> str:
    """Mask Harbor tokens and keys that slipped into a message."""
    return _CREDENTIAL.sub(r"\1[redacted]", text)


class ContextFilter(logging.Filter):
    """Adds the current request id and call id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.call_id = call_id_var.get()
        return True


class RedactingFilter(logging.Filter):
    """Masks credentials in the rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_credentials(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "call_id"):
            value = getattr(record, key, None)
            if value:
                entry[key] = value
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["error"] = redact_credentials(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """Plain text for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request {request_id}]" if request_id else line


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted.

    A handler bound to the stream of the moment outlives it when stderr is swapped (an
    embedding program, a test runner capturing output): later records would go to a closed
    file and every log call would print a "Logging error" traceback instead.
    """

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """Ignored: the stream is always the current ``sys.stderr``."""


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    """Send Harbor's and uvicorn's logs to stderr in the chosen format."""
    handler = StderrHandler()
    handler.setFormatter(JSONFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_harbor", False):
            root.removeHandler(existing)
    handler._harbor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # Migration chatter is noise at info level; show it only when debugging.
    logging.getLogger("alembic").setLevel("DEBUG" if level == "debug" else "WARNING")
