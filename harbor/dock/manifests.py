"""Reading Dock manifests: size limit, JSON, schema and the credential check, with pointers."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from harbor.contracts import MAX_MANIFEST_BYTES, DockManifest, ProblemError
from harbor.errors import InvalidRequest, PayloadTooLarge

M = TypeVar("M", bound=BaseModel)


def _pointer(location: tuple[int | str, ...]) -> str:
    return "".join(f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in location)


def validation_problems(err: ValidationError, prefix: str = "") -> list[ProblemError]:
    """Pydantic's errors as JSON-pointer-located problems."""
    return [
        ProblemError(pointer=prefix + _pointer(tuple(e["loc"])) or "/", message=e["msg"])
        for e in err.errors(include_url=False)
    ]


def refuse(what: str, problems: list[ProblemError]) -> InvalidRequest:
    """One 422 error naming the first problems, with all of them under ``errors``."""
    summary = "; ".join(f"{p.pointer}: {p.message}" for p in problems[:3])
    return InvalidRequest(
        f"{what}: {summary}", status=422, extra={"errors": [p.model_dump() for p in problems]}
    )


def load_json(raw: bytes, what: str, limit: int) -> Any:
    """Parse ``raw`` as JSON after checking its size; clear errors for both."""
    if len(raw) > limit:
        raise PayloadTooLarge(f"the {what} is {len(raw)} bytes; the limit is {limit} bytes")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidRequest(f"the {what} is not valid JSON: {err}") from err


def parse_document(document: Any, model: type[M], what: str, limit: int) -> M:
    """Validate a parsed document against its contract model (schema and credential checks)."""
    size = len(json.dumps(document, separators=(",", ":")).encode())
    if size > limit:
        raise PayloadTooLarge(f"the {what} is {size} bytes; the limit is {limit} bytes")
    if not isinstance(document, dict):
        raise InvalidRequest(f"the {what} must be a JSON object", status=422)
    try:
        return model.model_validate(document)
    except ValidationError as err:
        raise refuse(f"the {what} does not match its schema", validation_problems(err)) from err


def parse_manifest(document: Any) -> DockManifest:
    """A manifest document as a :class:`DockManifest`, or a 413/422 naming what is wrong."""
    return parse_document(document, DockManifest, "manifest", MAX_MANIFEST_BYTES)


def semver_key(version: str) -> tuple[Any, ...]:
    """A sort key for a semantic version: pre-releases before their release (semver.org §11)."""
    core, _, rest = version.partition("+")[0].partition("-")
    numbers = tuple(int(part) for part in core.split("."))
    if not rest:
        return (*numbers, 1, ())
    identifiers = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in rest.split(".")
    )
    return (*numbers, 0, identifiers)
