"""The cloud's errors: one class per stable ``code``, rendered as RFC 9457 problem+json.

Service functions raise these and never import FastAPI; :mod:`harbor_cloud.api.problems`
renders them for the API and the web areas show them as an inline message.
"""

from __future__ import annotations

from typing import Any

PROBLEM_TYPE_PREFIX = "urn:harbor-cloud:problem:"


class CloudError(Exception):
    """An error with a stable code and HTTP status."""

    code = "internal_error"
    status = 500
    title = "Internal error"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.extra = extra or {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document: type, title, status, detail, code and extensions."""
        problem: dict[str, Any] = {
            "type": PROBLEM_TYPE_PREFIX + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            problem["instance"] = instance
        problem.update(self.extra)
        return problem


class InvalidRequest(CloudError):
    """The request is malformed or a value is not acceptable."""

    code, status, title = "invalid_request", 422, "Invalid request"


class Unauthorized(CloudError):
    """No valid credentials (wrong password, bad session, bad node signature)."""

    code, status, title = "unauthorized", 401, "Unauthorized"


class Forbidden(CloudError):
    """Authenticated, but not allowed (a member on an admin route)."""

    code, status, title = "forbidden", 403, "Forbidden"


class NotFound(CloudError):
    """No such resource, or not one the caller may see."""

    code, status, title = "not_found", 404, "Not found"


class Conflict(CloudError):
    """The request conflicts with what exists (a taken email)."""

    code, status, title = "conflict", 409, "Conflict"


class RateLimited(CloudError):
    """Too many attempts; ``Retry-After`` says when to try again."""

    code, status, title = "rate_limited", 429, "Too many requests"


class EnrollmentCodeInvalid(CloudError):
    """The enrollment code is unknown, used or expired (one code so it leaks nothing)."""

    code, status, title = "enrollment_code_invalid", 403, "Enrollment code invalid"


class NodeNotEnrolled(CloudError):
    """The node is unknown to the cloud or was unenrolled."""

    code, status, title = "node_not_enrolled", 404, "Node not enrolled"


class MethodNotAllowed(CloudError):
    """The resource does not accept the method."""

    code, status, title = "method_not_allowed", 405, "Method not allowed"


ERROR_CLASSES: dict[int, type[CloudError]] = {
    cls.status: cls
    for cls in (InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict, RateLimited)
}
