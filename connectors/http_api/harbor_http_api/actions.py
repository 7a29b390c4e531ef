"""The ``request`` action kind: its definition schema, placeholders and definition checks.

A definition is a request template. Strings in ``path``, ``query``, ``headers`` and ``body``
may hold named placeholders, ``{name}``, filled from the call's arguments; ``{{`` and ``}}``
stand for literal braces. :func:`validate_request_definition` refuses what the schema cannot
express (malformed placeholders, a path that could leave the base path, a body on a GET).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from harbor.connector import ActionKind, InvalidDefinition, JSONSchema

HEADER_NAME_PATTERN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
METHODS_WITHOUT_BODY = frozenset({"GET"})
RESERVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
"""Headers a definition may not set: the client derives them from the URL and the body."""

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]{0,63})\}|\{|\}")
_EXACT = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]{0,63})\}$")
_POINTER = re.compile(r"^(/([^~]|~[01])*)*$")

STATUS_SCHEMA: JSONSchema = {
    "anyOf": [
        {"type": "integer", "minimum": 100, "maximum": 599},
        {"type": "string", "pattern": "^[1-5]xx$"},
    ]
}

REQUEST_DEFINITION_SCHEMA: JSONSchema = {
    "type": "object",
    "properties": {
        "method": {"enum": list(METHODS), "description": "The HTTP method"},
        "path": {
            "type": "string",
            "minLength": 1,
            "maxLength": 2048,
            "pattern": "^/",
            "description": "Path below the port's base_url, with {name} placeholders; each "
            "value becomes exactly one percent-encoded path segment",
        },
        "query": {
            "type": "object",
            "propertyNames": {"minLength": 1, "maxLength": 128},
            "additionalProperties": {"type": ["string", "number", "boolean"]},
            "description": "Query parameters; a value that is exactly '{name}' is left out "
            "when the argument is absent, and a list argument repeats the parameter",
        },
        "headers": {
            "type": "object",
            "propertyNames": {"pattern": HEADER_NAME_PATTERN},
            "additionalProperties": {"type": "string", "maxLength": 8192},
            "description": "Extra headers; a value that is exactly '{name}' is left out when "
            "the argument is absent",
        },
        "body": {
            "description": "A JSON body template: a string that is exactly '{name}' becomes "
            "the argument's JSON value (left out of an object when absent); other strings "
            "with placeholders are filled in as text",
        },
        "accept_status": {
            "type": "array",
            "minItems": 1,
            "items": STATUS_SCHEMA,
            "description": "Statuses that count as success: codes (404) or classes ('2xx'). "
            "Default: 200-299",
        },
        "response": {
            "type": "object",
            "properties": {
                "pick": {
                    "type": "object",
                    "propertyNames": {"minLength": 1, "maxLength": 64},
                    "additionalProperties": {"type": "string", "maxLength": 1024},
                    "description": "Output name -> RFC 6901 JSON pointer into the response; "
                    "the result is exactly these values (null where the pointer finds nothing)",
                },
                "max_bytes": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 104_857_600,
                    "description": "Largest body this action reads (the port's "
                    "max_response_bytes when smaller). A larger JSON body fails the call; a "
                    "larger text body is cut here",
                },
            },
            "additionalProperties": False,
        },
    },
    "required": ["method", "path"],
    "additionalProperties": False,
}

REQUEST_KIND = ActionKind(
    title="HTTP request",
    description="One request to the port's API: method, path template, query, headers and "
    "JSON body filled from the arguments; the answer is parsed and optionally reduced.",
    definition_schema=REQUEST_DEFINITION_SCHEMA,
    default_risk="write",
    idempotent=False,  # the core repeats read actions on its own; writes stay at most once
)


@dataclass(frozen=True)
class Placeholder:
    """A ``{name}`` in a template string."""

    name: str


Part = str | Placeholder


def parse_template(template: str) -> list[Part]:
    """Split ``template`` into literal text and placeholders; raise ValueError if malformed."""
    parts: list[Part] = []
    literal: list[str] = []
    position = 0
    for match in _TOKEN.finditer(template):
        literal.append(template[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif match.group(1):
            parts.append("".join(literal))
            literal = []
            parts.append(Placeholder(match.group(1)))
        else:
            raise ValueError(
                f"unbalanced '{token}' at character {match.start()} in {template!r}: a "
                "placeholder is {name} (letters, digits and _), a literal brace is {{ or }}"
            )
    literal.append(template[position:])
    parts.append("".join(literal))
    return [part for part in parts if part != ""]


def exact_placeholder(value: object) -> str | None:
    """The argument name when ``value`` is exactly one placeholder, ``"{name}"``."""
    if isinstance(value, str):
        match = _EXACT.match(value)
        if match:
            return match.group(1)
    return None


def template_strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every template string in a JSON value, with where it was found (keys are literal)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from template_strings(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from template_strings(item, f"{where}/{index}")


def validate_request_definition(definition: dict[str, Any]) -> None:
    """Refuse a ``request`` definition the schema accepts but the connector cannot run."""
    method = definition["method"]
    _check_path(definition["path"])
    for where, text in [
        *template_strings(definition.get("query", {}), "query"),
        *template_strings(definition.get("headers", {}), "headers"),
        *template_strings(definition.get("body"), "body"),
    ]:
        _parse(text, where)
    for name in definition.get("headers", {}):
        if name.lower() in RESERVED_HEADERS:
            raise InvalidDefinition(f"headers: {name} is set by the client and cannot be set")
    if "body" in definition and method in METHODS_WITHOUT_BODY:
        raise InvalidDefinition(f"body: a {method} request carries no body; use query")
    for name, pointer in definition.get("response", {}).get("pick", {}).items():
        if not _POINTER.match(pointer):
            raise InvalidDefinition(
                f"response/pick/{name}: {pointer!r} is not a JSON pointer (RFC 6901): it "
                "starts with '/' (or is '' for the whole document), '~' only as ~0 or ~1"
            )


def _parse(text: str, where: str) -> list[Part]:
    try:
        return parse_template(text)
    except ValueError as err:
        raise InvalidDefinition(f"{where}: {err}") from err


def _check_path(path: str) -> None:
    """A path stays below the base path whatever the arguments are."""
    if path.startswith("//") or "\\" in path:
        raise InvalidDefinition(f"path {path!r}: must be one '/' followed by a relative path")
    if "?" in path or "#" in path:
        raise InvalidDefinition(f"path {path!r}: put query parameters in query, not the path")
    parts = _parse(path, "path")
    literal_only = "".join(part if isinstance(part, str) else "x" for part in parts)
    for segment in literal_only.split("/"):
        if segment in (".", "..") or segment.lower().replace("%2e", ".") in (".", ".."):
            raise InvalidDefinition(f"path {path!r}: '.' and '..' segments are not allowed")
    if any(c.isspace() or ord(c) < 0x20 for c in literal_only):
        raise InvalidDefinition(f"path {path!r}: must not contain spaces or control characters")
