"""RFC 9457 problem+json for every API error, framework errors included."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from harbor_cloud.errors import (
    ERROR_CLASSES,
    CloudError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("harbor_cloud.api")


def problem_response(err: CloudError, instance: str | None = None) -> Response:
    """The problem+json response for a CloudError."""
    return Response(
        content=json.dumps(err.to_problem(instance), default=str),
        status_code=err.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=err.headers,
    )


def validation_problem(exc: RequestValidationError) -> CloudError:
    """FastAPI's validation error as invalid_request, one entry per error."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return InvalidRequest("the request body is not valid JSON", status=400)
    items = [
        {
            "pointer": "/" + "/".join(str(p) for p in e.get("loc", ())[1:]),
            "message": str(e.get("msg", "invalid")),
        }
        for e in errors
    ]
    summary = "; ".join(f"{i['pointer']}: {i['message']}" for i in items[:3])
    return InvalidRequest(f"the request is invalid: {summary}", extra={"errors": items})


def http_problem(exc: StarletteHTTPException) -> CloudError:
    """Starlette's routing errors (404, 405) as cloud errors."""
    if exc.status_code == 404:
        return NotFound("no such resource; see /api/v1/openapi.json")
    if exc.status_code == 405:
        return MethodNotAllowed(
            "this resource does not accept that method", headers=dict(exc.headers or {})
        )
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    cls = ERROR_CLASSES.get(exc.status_code, CloudError)
    return cls(detail, status=exc.status_code, headers=dict(exc.headers or {}))


def install_problem_handlers(app: FastAPI) -> None:
    """Render API errors as problem+json (the web areas install their own first)."""

    async def on_cloud_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CloudError)
        return problem_response(exc, request.url.path)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc), request.url.path)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(http_problem(exc), request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        err = CloudError("an unexpected error happened; the cloud's log has the details")
        return problem_response(err, request.url.path)

    app.add_exception_handler(CloudError, on_cloud_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
