"""The connector-facing API: everything a connector distribution imports from Harbor.

A connector turns (definition, arguments, config, secrets) into the outside request(s) of
one action and a result. The core owns everything else: authentication, argument
validation, policy, approvals, retries, timeouts, the SSRF guard and audit. A connector
imports only this module, :mod:`harbor.hookspecs` and :mod:`harbor.contracts`.

A minimal connector::

    from harbor.connector import ActionKind, Connector, hookimpl

    class Echo(Connector):
        type = "echo"
        title = "Echo"
        config_schema = {"type": "object", "properties": {}}
        action_kinds = {"echo": ActionKind(title="Echo the arguments")}

        async def execute(self, ctx, definition, arguments):
            return {"echo": arguments}

    @hookimpl
    def harbor_register_connectors(register):
        register(Echo)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import pluggy

if TYPE_CHECKING:
    import httpx

hookimpl = pluggy.HookimplMarker("harbor")
"""Decorator marking a function in a plugin module as a Harbor hook implementation."""

JSONSchema = dict[str, Any]
Risk = Literal["read", "write", "destructive"]

SECRET_MARKER = "writeOnly"
"""Config properties with ``"writeOnly": true`` are secrets: stored encrypted, never shown."""

SENSITIVE_MARKER = "x-harbor-sensitive"
"""Input schema properties with ``"x-harbor-sensitive": true`` are redacted in calls and audit."""


# --- Errors a connector raises --------------------------------------------------------------


class ConnectorError(Exception):
    """The action failed in a way retrying will not fix (a 4xx, a refused request).

    ``message`` is shown to the agent and the operator, so it must never contain a secret.
    ``status`` is the outside service's HTTP status when there was one.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class RetryableError(ConnectorError):
    """The outside service said "later" (429, 5xx, a timeout).

    ``retry_after`` is the number of seconds the service asked to wait, if it said. The
    core decides whether and when to retry within the call's time budget: it repeats
    ``read`` actions and idempotent action kinds, and any action when ``retry_safe`` says
    the service did not act on the request. ``timeout`` marks a time-out (504 to the agent).
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        timeout: bool = False,
        retry_safe: bool = False,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.timeout = timeout
        self.retry_safe = retry_safe
        """True when the service certainly did not act on the request (a 429, a refused
        connection), so even a ``write`` action may be retried."""


class AuthFailed(ConnectorError):
    """The service rejected the port's credentials; the port moves to ``needs_reconnect``."""


class InvalidDefinition(ConnectorError):
    """An action definition is not valid for this connector (raised when validating a draft)."""


# --- What the core hands to a connector -----------------------------------------------------


@dataclass(frozen=True)
class CallContext:
    """Everything a connector may use while running one action on one port.

    ``config`` holds the port's non-secret configuration, ``secrets`` the resolved secret
    values (never log them), ``http`` the core's outbound client: it enforces the port's
    allowed hosts and the SSRF guard, propagates tracing and caps response sizes, so a
    connector must use it for every outside request.
    """

    port: str
    config: Mapping[str, Any]
    secrets: Mapping[str, str]
    http: httpx.AsyncClient
    kind: str | None = None
    """The action kind being run (``None`` outside ``execute``, e.g. in ``check``)."""
    action: str | None = None
    """The qualified action name, ``port.action``."""
    call_id: str | None = None
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("harbor.connector"))


@dataclass(frozen=True)
class ActionKind:
    """One kind of operation a connector can perform, with the schema of its definition."""

    title: str
    description: str = ""
    definition_schema: JSONSchema = field(
        default_factory=lambda: {"type": "object", "additionalProperties": False}
    )
    default_risk: Risk = "write"
    idempotent: bool = False
    """Whether running an action of this kind twice has the effect of running it once
    (a PUT, a lookup): the core may then retry it after a RetryableError."""


@dataclass(frozen=True)
class ActionTemplate:
    """A ready-to-use action an operator can add to a port in one step."""

    name: str
    kind: str
    description: str
    risk: Risk
    input_schema: JSONSchema
    definition: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a connection test."""

    ok: bool
    message: str = ""


@dataclass(frozen=True)
class InboundEvent:
    """An event accepted from ``POST /hooks/{port}``; its ``id`` is used to reject replays."""

    id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ApprovalNotice:
    """A call waits for the operator's approval: what a notifying connector tells someone.

    ``arguments`` are the call's arguments with sensitive values already redacted, and
    ``summary`` a short one-line text of them (capped, safe to post in a chat). ``rule``
    names the policy rule or plugin that asked for approval. ``link`` is the approval's
    page, ``<public URL>/approvals/<id>``, or the path ``/approvals/<id>`` when the operator
    set no public URL.
    """

    approval_id: str
    call_id: str
    action: str
    agent: str
    risk: Risk
    arguments: dict[str, Any]
    summary: str
    rule: str | None
    expires_at: datetime
    link: str


@dataclass(frozen=True)
class OAuthMetadata:
    """The OAuth 2.0 endpoints and scopes of a service, for connectors that use OAuth.

    The core runs the whole flow (authorization code with PKCE, token storage, refresh,
    revocation); the connector reads a valid access token as ``ctx.secrets["access_token"]``.
    ``scopes`` are always requested; ``kind_scopes`` names the scopes each action kind needs,
    so a port asks for the narrowest set its published actions use. ``authorize_params``
    are added to the authorization URL (``access_type=offline`` for Google). The operator's
    own OAuth client is read from the port secrets named ``client_id_secret`` and
    ``client_secret_secret``; a port config key ``oauth_authorize_url``, ``oauth_token_url``
    or ``oauth_revoke_url`` (when the connector's config schema declares it) overrides an
    endpoint, e.g. to point a test port at a loopback authorization server.
    """

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...] = ()
    revoke_url: str | None = None
    kind_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    client_id_secret: str = "client_id"
    client_secret_secret: str = "client_secret"
    fallback_scopes: tuple[str, ...] = ()
    """Requested instead when no published action needs a scope yet (the first connect)."""
    refresh_token_lifetime_days: int | None = None
    """How long a refresh token may live at most (Google: 7 days for clients in "Testing"
    status); the port's OAuth status warns as the end nears."""

    def scopes_for(self, kinds: Iterable[str]) -> list[str]:
        """The scopes to request for a port whose published actions have these kinds."""
        wanted = set(self.scopes)
        for kind in kinds:
            wanted.update(self.kind_scopes.get(kind, ()))
        return sorted(wanted or self.fallback_scopes)


# --- The connector base class ---------------------------------------------------------------


class Connector:
    """Base class of every connector. Subclass it and register the class.

    Class attributes describe the connector; the core creates one instance per node and
    calls its methods for every port of this type.
    """

    type: ClassVar[str]
    """Connector type name, unique on the node: ``github``, ``http_api``."""
    title: ClassVar[str]
    """Human title shown in the UI."""
    description: ClassVar[str] = ""
    config_schema: ClassVar[JSONSchema] = {"type": "object", "properties": {}}
    """JSON Schema of a port's config. Secret fields carry ``"writeOnly": true``."""
    action_kinds: ClassVar[dict[str, ActionKind]] = {}
    templates: ClassVar[list[ActionTemplate]] = []
    oauth: ClassVar[OAuthMetadata | None] = None

    async def execute(
        self,
        ctx: CallContext,
        definition: dict[str, Any],
        arguments: dict[str, Any],
    ) -> Any:
        """Run one action of kind ``ctx.kind`` and return its JSON-serialisable result."""
        raise NotImplementedError(f"connector {self.type!r} does not implement execute()")

    def validate_definition(self, kind: str, definition: dict[str, Any]) -> None:
        """Check a definition beyond its JSON Schema; raise InvalidDefinition if it is wrong.

        Called when a draft is validated, after the kind's ``definition_schema`` passed.
        """

    async def check(self, ctx: CallContext) -> CheckResult:
        """Test the port's connection. The default says nothing was checked."""
        return CheckResult(ok=True, message="this connector has no connection test")

    def verify_inbound(
        self, ctx: CallContext, headers: Mapping[str, str], body: bytes
    ) -> InboundEvent:
        """Verify an incoming request to ``POST /hooks/{port}``; raise ConnectorError if bad."""
        raise ConnectorError(f"connector {self.type!r} does not receive events")

    @classmethod
    def receives_events(cls) -> bool:
        """Whether this connector overrides :meth:`verify_inbound`."""
        return cls.verify_inbound is not Connector.verify_inbound

    async def notify_approval(self, ctx: CallContext, notice: ApprovalNotice) -> None:
        """Tell the port's destination that a call waits for approval (optional).

        Called for each enabled, ready port of this connector whose config has
        ``notify_approvals: true``, off the request path; an exception is logged and
        audited and never affects the call.
        """
        raise NotImplementedError(f"connector {self.type!r} does not notify approvals")

    @classmethod
    def notifies_approvals(cls) -> bool:
        """Whether this connector overrides :meth:`notify_approval`."""
        return cls.notify_approval is not Connector.notify_approval

    @classmethod
    def secret_fields(cls) -> list[str]:
        """Names of the config fields marked as secrets."""
        props = cls.config_schema.get("properties", {})
        return [name for name, spec in props.items() if spec.get(SECRET_MARKER) is True]

    @classmethod
    def required_secrets(cls) -> list[str]:
        """Secret fields the port cannot work without."""
        required = set(cls.config_schema.get("required", []))
        return [name for name in cls.secret_fields() if name in required]


__all__ = [
    "SECRET_MARKER",
    "SENSITIVE_MARKER",
    "ActionKind",
    "ActionTemplate",
    "ApprovalNotice",
    "AuthFailed",
    "CallContext",
    "CheckResult",
    "Connector",
    "ConnectorError",
    "InboundEvent",
    "InvalidDefinition",
    "JSONSchema",
    "OAuthMetadata",
    "RetryableError",
    "Risk",
    "hookimpl",
]
