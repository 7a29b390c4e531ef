"""JSON Schema checks with errors located by JSON pointer (jsonschema, draft 2020-12)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from harbor.contracts import ProblemError


def pointer(path: Any) -> str:
    """A jsonschema error path as an RFC 6901 JSON pointer."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def schema_errors(schema: dict[str, Any]) -> list[ProblemError]:
    """Problems with a JSON Schema itself (empty when it is a valid 2020-12 schema)."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return [ProblemError(pointer=pointer(err.absolute_path), message=err.message)]
    return []


def instance_errors(schema: dict[str, Any], instance: Any, prefix: str = "") -> list[ProblemError]:
    """Every way ``instance`` violates ``schema``, each with its pointer, in document order."""
    validator = Draft202012Validator(schema)
    found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [
        ProblemError(pointer=prefix + pointer(err.absolute_path), message=err.message)
        for err in found
    ]
