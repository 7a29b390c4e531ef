"""Harbor's errors: one class per stable code, shared with the SDK.

The code -> HTTP status table lives in :mod:`harbor_client.errors` so that the node and
the SDK can never disagree; this module re-exports it for the core and for connectors.
Runtime code raises these and never imports FastAPI; the API renders them as RFC 9457
problem+json, the CLI as one line.
"""

from harbor_client.errors import (
    ERROR_CLASSES,
    ERROR_CODES,
    AuditUnavailable,
    Conflict,
    Forbidden,
    HarborError,
    IdempotencyMismatch,
    InternalError,
    InvalidArguments,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    Paused,
    PayloadTooLarge,
    PolicyDenied,
    PortNotReady,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamFailed,
    UpstreamTimeout,
)


class ConfigError(HarborError):
    """The process configuration is wrong: a bad file, an unknown setting, a bad value."""

    code = "invalid_request"


class PluginConflict(HarborError):
    """Two plugins provide the same thing (for example the same connector type)."""

    code = "conflict"


__all__ = [
    "ERROR_CLASSES",
    "ERROR_CODES",
    "AuditUnavailable",
    "ConfigError",
    "Conflict",
    "Forbidden",
    "HarborError",
    "IdempotencyMismatch",
    "InternalError",
    "InvalidArguments",
    "InvalidRequest",
    "MethodNotAllowed",
    "NotFound",
    "Paused",
    "PayloadTooLarge",
    "PluginConflict",
    "PolicyDenied",
    "PortNotReady",
    "RateLimited",
    "Unauthorized",
    "Unavailable",
    "UpstreamFailed",
    "UpstreamTimeout",
]
