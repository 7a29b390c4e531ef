"""Harbor's error codes, their HTTP statuses, and one exception class per code.

This module is the single table that maps stable error codes to HTTP statuses. The node
raises these classes and renders them as RFC 9457 problem+json; the SDK parses a problem
document back into the same class, so ``except harbor_client.errors.NotFound`` works on
both sides of the wire.
"""

from __future__ import annotations

from typing import Any, ClassVar

#: code -> (HTTP status, short title). The only place statuses are decided.
ERROR_CODES: dict[str, tuple[int, str]] = {
    "invalid_request": (400, "Invalid request"),
    "unauthorized": (401, "Unauthorized"),
    "forbidden": (403, "Forbidden"),
    "policy_denied": (403, "Denied by policy"),
    "not_found": (404, "Not found"),
    "method_not_allowed": (405, "Method not allowed"),
    "conflict": (409, "Conflict"),
    "port_not_ready": (409, "Port not ready"),
    "payload_too_large": (413, "Payload too large"),
    "invalid_arguments": (422, "Invalid arguments"),
    "idempotency_mismatch": (422, "Idempotency key reused with a different request"),
    "rate_limited": (429, "Rate limited"),
    "internal_error": (500, "Internal error"),
    "upstream_failed": (502, "Upstream failed"),
    "paused": (503, "Paused"),
    "audit_unavailable": (503, "Audit log unavailable"),
    "unavailable": (503, "Service unavailable"),
    "upstream_timeout": (504, "Upstream timed out"),
}

PROBLEM_TYPE_PREFIX = "urn:harbor:problem:"


class HarborError(Exception):
    """Base class of every Harbor error; carries a stable ``code`` and HTTP ``status``."""

    code: ClassVar[str] = "internal_error"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status or ERROR_CODES[self.code][0]
        self.extra: dict[str, Any] = dict(extra or {})
        self.headers: dict[str, str] = dict(headers or {})

    @property
    def title(self) -> str:
        """The short, code-specific title of this error."""
        return ERROR_CODES[self.code][1]

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """Render as an RFC 9457 problem document."""
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

    @property
    def problem(self) -> dict[str, Any]:
        """The whole problem document: type, title, status, detail, code and extensions."""
        return self.to_problem()

    @property
    def call_id(self) -> str | None:
        """The call this error is about, when there is one (upstream failures, denials)."""
        value = self.extra.get("call_id")
        return str(value) if value is not None else None

    def __str__(self) -> str:
        return self.detail


class InvalidRequest(HarborError):
    """The request body or parameters are malformed or violate the API's schema."""

    code = "invalid_request"


class Unauthorized(HarborError):
    """No credential, or a wrong, expired or revoked one."""

    code = "unauthorized"


class Forbidden(HarborError):
    """The credential is valid but its role or scopes do not allow this."""

    code = "forbidden"


class PolicyDenied(HarborError):
    """A policy rule or plugin denied the call."""

    code = "policy_denied"


class NotFound(HarborError):
    """The resource does not exist (or is not visible to this credential)."""

    code = "not_found"


class MethodNotAllowed(HarborError):
    """The resource exists but does not accept this HTTP method."""

    code = "method_not_allowed"


class Conflict(HarborError):
    """The request conflicts with the current state (a duplicate name, a wrong state)."""

    code = "conflict"


class PortNotReady(HarborError):
    """The port's status does not allow calls; the detail names the status."""

    code = "port_not_ready"


class PayloadTooLarge(HarborError):
    """The request body is larger than the node accepts."""

    code = "payload_too_large"


class InvalidArguments(HarborError):
    """The action's arguments do not match its input schema; ``errors`` locates each problem."""

    code = "invalid_arguments"

    @property
    def errors(self) -> list[dict[str, str]]:
        """One ``{"pointer", "message"}`` per problem, the pointer into the arguments."""
        found = self.extra.get("errors")
        return list(found) if isinstance(found, list) else []


class IdempotencyMismatch(HarborError):
    """An Idempotency-Key was reused with a different request body."""

    code = "idempotency_mismatch"


class RateLimited(HarborError):
    """Too many calls; ``retry_after`` says how many seconds to wait."""

    code = "rate_limited"

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait before retrying, when the node said."""
        value = self.extra.get("retry_after") or self.headers.get("Retry-After")
        return float(value) if value is not None else None


class InternalError(HarborError):
    """An unexpected failure inside the node (details are in the node's log)."""

    code = "internal_error"


class UpstreamFailed(HarborError):
    """The outside service failed; the call id is in ``extra['call_id']``."""

    code = "upstream_failed"


class Paused(HarborError):
    """The operator paused calls on the node or suspended this agent."""

    code = "paused"


class AuditUnavailable(HarborError):
    """The audit log could not be written, so nothing was done (fail-closed)."""

    code = "audit_unavailable"


class Unavailable(HarborError):
    """The node cannot serve the request right now (for example, its database is down)."""

    code = "unavailable"


class UpstreamTimeout(HarborError):
    """The outside service did not answer in time; the call id is in ``extra['call_id']``."""

    code = "upstream_timeout"


class NodeUnreachable(Unavailable):
    """The node did not answer at all (not running, wrong address); raised by the SDK."""


# --- How a call the SDK waited for ended -----------------------------------------------------
# The node answers these outcomes as a call's status, not as a problem; the SDK raises them
# when a waited-for call ends so. Each refines the class of the code the node uses for the
# same outcome elsewhere, so ``except PolicyDenied`` also catches an operator's denial.


class ApprovalDenied(PolicyDenied):
    """The operator denied the call; ``reason`` is what they wrote."""

    @property
    def reason(self) -> str:
        """The operator's reason (empty when they gave none)."""
        return str(self.extra.get("reason") or "")


class ApprovalExpired(Conflict):
    """Nobody decided the call before its approval expired; it never ran."""


class CallCancelled(Conflict):
    """The call was cancelled by its agent before anyone decided it; it never ran."""


class CallOutcomeUnknown(UpstreamFailed):
    """The node stopped while the call ran: it may or may not have reached the service."""


ERROR_CLASSES: dict[str, type[HarborError]] = {
    cls.code: cls
    for cls in (
        InvalidRequest,
        Unauthorized,
        Forbidden,
        PolicyDenied,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PortNotReady,
        PayloadTooLarge,
        InvalidArguments,
        IdempotencyMismatch,
        RateLimited,
        InternalError,
        UpstreamFailed,
        Paused,
        AuditUnavailable,
        Unavailable,
        UpstreamTimeout,
    )
}


def error_from_problem(
    problem: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> HarborError:
    """Rebuild the exception a node raised from its problem+json document."""
    code = str(problem.get("code") or "")
    cls = ERROR_CLASSES.get(code, InternalError)
    known = {"type", "title", "status", "detail", "code"}
    extra = {k: v for k, v in problem.items() if k not in known}
    detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
    return cls(detail, status=status, extra=extra, headers=headers)
