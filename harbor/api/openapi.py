"""The OpenAPI document: every operation lists the problem responses it can really return."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from harbor.api.access import ACCESS_KEY
from harbor.api.problems import PROBLEM_MEDIA_TYPE
from harbor.contracts import Problem

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_DESCRIPTIONS = {
    "400": "Malformed request (bad JSON, a host name that is not the node's)",
    "401": "Missing, wrong, expired or revoked credential",
    "403": "The credential's role does not allow this",
    "404": "No such resource",
    "409": "Conflict with the current state",
    "413": "Request body too large",
    "422": "The request does not match the schema",
    "503": "The database is unreachable",
}


def operation_access(operation: dict[str, Any]) -> str:
    """The access level an OpenAPI operation declares (``operator`` when none)."""
    return str(operation.get(ACCESS_KEY, "operator"))


def iter_operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation of an OpenAPI document."""
    return [
        (method.upper(), path, item[method])
        for path, item in schema.get("paths", {}).items()
        for method in HTTP_METHODS
        if method in item
    ]


def expected_problem_statuses(operation: dict[str, Any]) -> set[str]:
    """The error statuses the node can answer this operation with."""
    statuses = {"400", "503"}
    if operation_access(operation) != "public":
        statuses |= {"401", "403"}
    params = operation.get("parameters", [])
    if "requestBody" in operation:
        statuses |= {"413", "422"}
    if params:
        statuses.add("422")
    if any(p.get("in") == "path" for p in params):
        statuses.add("404")
    declared = operation.get("responses", {})
    statuses |= {s for s in declared if s.startswith(("4", "5"))}
    return statuses


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the problem responses of each operation."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for _method, _path, operation in iter_operations(schema):
        responses = operation.setdefault("responses", {})
        for status in expected_problem_statuses(operation):
            entry = responses.setdefault(status, {"description": _DESCRIPTIONS.get(status, "")})
            content = entry.get("content", {})
            if "application/json" in content and status == "503":
                continue  # an operation that documents its own 503 body (health)
            entry["content"] = problem
    app.openapi_schema = schema
    return schema
