"""RFC 9457 problem+json for every error the API returns, framework errors included."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from harbor.errors import (
    ERROR_CLASSES,
    ERROR_CODES,
    HarborError,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
)
from harbor.logs import request_id_var

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("harbor.api")

_STATUS_CODES = {status: code for code, (status, _title) in reversed(ERROR_CODES.items())}


def problem_response(err: HarborError, instance: str | None = None) -> Response:
    """The HTTP response for a HarborError."""
    body = err.to_problem(instance)
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    return Response(
        content=json.dumps(body, default=str),
        status_code=err.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=err.headers,
    )


def json_pointer(loc: tuple[Any, ...] | list[Any]) -> str:
    """A pydantic error location as an RFC 6901 JSON pointer (without the 'body' root)."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return "/" + "/".join(escaped) if escaped else ""


def validation_problem(exc: RequestValidationError) -> HarborError:
    """Turn FastAPI's validation error into invalid_request with one entry per error."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return InvalidRequest("the request body is not valid JSON", status=400)
    items = [
        {"pointer": _located(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        for e in errors
    ]
    summary = "; ".join(f"{i['pointer'] or '/'}: {i['message']}" for i in items[:3])
    return InvalidRequest(f"the request is invalid: {summary}", status=422, extra={"errors": items})


def _located(loc: Any) -> str:
    loc = tuple(loc)
    if loc and loc[0] in ("query", "path", "header"):
        return f"{loc[0]}:{json_pointer(loc)}"
    return json_pointer(loc)


def http_problem(exc: StarletteHTTPException) -> HarborError:
    """Map Starlette's HTTP exceptions (routing 404/405 and the like) to Harbor errors."""
    if isinstance(exc.__cause__, HarborError):  # e.g. the body limit tripped while parsing
        return exc.__cause__
    if exc.status_code == 404:
        return NotFound("no such resource; see /api/docs for the API")
    if exc.status_code == 405:
        return MethodNotAllowed(
            "this resource does not accept that method", headers=dict(exc.headers or {})
        )
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    cls = ERROR_CLASSES.get(_STATUS_CODES.get(exc.status_code, ""), InternalError)
    return cls(detail, status=exc.status_code, headers=dict(exc.headers or {}))


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that render every error as problem+json."""

    async def on_harbor_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HarborError)
        return problem_response(exc, request.url.path)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc), request.url.path)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(http_problem(exc), request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        err = InternalError("an unexpected error happened; the node's log has the details")
        return problem_response(err, request.url.path)

    app.add_exception_handler(HarborError, on_harbor_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
