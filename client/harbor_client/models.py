"""The public shapes of Harbor's REST API: plain pydantic, shared by node, SDK and connectors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

PORT_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,29}$"
ACTION_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
AGENT_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
TOKEN_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$"
#: A scope is a shell-style glob over qualified action names: ``github-*.list_*``.
SCOPE_PATTERN = r"^[a-z0-9_*?\[\]!-]+\.[a-z0-9_*?\[\]!-]+$"

#: ASCII only (hosts in punycode), so the schema and every validator agree on what matches.
URL_PATTERN = r"^https?://[A-Za-z0-9.\-_~%!$&'()*+,;=:@\[\]]+(?:[/?#][!-~]*)?$"
Scope = Annotated[str, Field(pattern=SCOPE_PATTERN, max_length=200)]
Risk = Literal["read", "write", "destructive"]
Effect = Literal["allow", "deny", "require_approval"]
Role = Literal["operator", "agent"]


class Model(BaseModel):
    """Base of every public model: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ProblemError(Model):
    """One precise error inside a problem document, located by JSON pointer."""

    pointer: str = Field(description="JSON pointer (RFC 6901) to the offending value")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document with Harbor's stable ``code``."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code")
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemError] | None = None


# --- Health and plugins -------------------------------------------------------------------


class PluginInfo(Model):
    """One plugin the node tried to load."""

    name: str = Field(description="Entry-point name or built-in module name")
    distribution: str | None = Field(None, description="The distribution that ships it")
    version: str | None = None
    builtin: bool = False
    status: Literal["loaded", "failed"]
    error: str | None = Field(None, description="Why it failed to load (operator only)")
    connectors: list[str] = Field(default_factory=list)


class HealthPlugins(Model):
    """Names of loaded and failed plugins."""

    loaded: list[str]
    failed: list[str]


class Health(Model):
    """``GET /api/v1/health``: public liveness and readiness of the node."""

    status: Literal["ok", "degraded", "unavailable"]
    version: str
    database: Literal["ok", "unreachable"]
    plugins: HealthPlugins
    details: list[PluginInfo] | None = Field(
        None, description="Per-plugin details including errors; only for the operator"
    )


# --- Setup and identity -------------------------------------------------------------------


class SetupRequest(Model):
    """Exchange the one-time setup token for the operator password."""

    setup_token: str = Field(min_length=1)
    password: str = Field(min_length=12, max_length=1024)


class LoginRequest(Model):
    """Sign in as an operator (the owner unless ``name`` is given) and receive a token."""

    name: str | None = Field(
        None, max_length=64, description="The operator's name; leave out to sign in as the owner"
    )
    password: str = Field(min_length=1, max_length=1024)
    token_name: str = Field("login", pattern=TOKEN_NAME_PATTERN)
    expires_in_days: int | None = Field(30, ge=1, le=3650)


class PasswordChange(Model):
    """Change the operator password."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=12, max_length=1024)


class Whoami(Model):
    """Who the presented credential belongs to."""

    role: Role
    name: str
    scopes: list[str] | None = None
    operator_role: Literal["owner", "approver", "viewer"] | None = Field(
        None, description="For an operator: what the account may do"
    )


class TokenCreate(Model):
    """A new operator API token."""

    name: str = Field(pattern=TOKEN_NAME_PATTERN)
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class TokenPublic(Model):
    """An operator API token as listed: never the token itself."""

    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    """A token just created; ``token`` is shown this once and never again."""

    token: str


class AgentKeyPublic(Model):
    """An agent API key as listed: never the key itself."""

    id: int
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class AgentKeyCreate(Model):
    """A new key for an existing agent."""

    expires_in_days: int | None = Field(None, ge=1, le=3650)


class AgentKeyCreated(AgentKeyPublic):
    """A key just created; ``key`` is shown this once and never again."""

    key: str


class AgentCreate(Model):
    """A new agent identity with its first API key."""

    name: str = Field(pattern=AGENT_NAME_PATTERN)
    description: str = Field("", max_length=2000)
    scopes: list[Scope] = Field(
        default_factory=list,
        description="Shell-style globs over qualified action names, e.g. 'github-*.list_*'",
    )
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class AgentPublic(Model):
    """An agent as the operator sees it."""

    id: int
    name: str
    description: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None
    suspended_at: datetime | None = None
    keys: list[AgentKeyPublic]


class AgentUpdate(Model):
    """Change an agent's scopes or description; omitted fields keep their value."""

    description: str | None = Field(None, max_length=2000)
    scopes: list[Scope] | None = Field(
        None, description="The new scopes, replacing the old ones; [] lets it call nothing"
    )


class AgentCreated(Model):
    """An agent just created, with its first key shown this once."""

    agent: AgentPublic
    key: AgentKeyCreated


# --- Operator state -----------------------------------------------------------------------


class DefaultEffects(Model):
    """What policy answers when no rule matches, by the action's risk."""

    read: Effect = "allow"
    write: Effect = "require_approval"
    destructive: Effect = "deny"


class OperatorSettings(Model):
    """Operator state: edited through API, UI and CLI, stored in the database."""

    public_url: str | None = Field(
        None,
        pattern=URL_PATTERN,
        max_length=2048,
        description="Base URL used in links the node sends out (approval notifications)",
    )
    approval_ttl_seconds: int = Field(3600, ge=60, le=30 * 24 * 3600)
    default_effects: DefaultEffects = Field(default_factory=DefaultEffects)
    trusted_dock_publishers: list[str] = Field(
        default_factory=list,
        description="Dock publisher keys (ed25519:<base64>) whose signatures this node accepts",
    )
    trusted_sources: list[str] = Field(
        default_factory=list,
        description="URL prefixes of Dock sites and pack sources the operator trusts; a "
        "loopback or LAN address is reachable only when listed here",
    )
    unsigned_dock_sources: list[str] = Field(
        default_factory=list,
        description="URL prefixes whose unsigned manifests may be imported ('inline' for "
        "manifests sent in the request)",
    )
    audit_retention_days: int | None = Field(
        None,
        ge=1,
        le=36_500,
        description="Prune audit events older than this many days; keep every event if null",
    )


#: Dock trust entries are checked so that a typo is refused rather than never matching.
DockPublisherKey = Annotated[str, Field(pattern=r"^ed25519:[A-Za-z0-9+/]{43}=$")]
SourcePrefix = Annotated[str, Field(pattern=r"^https?://[!-~]+$", max_length=2048)]
UnsignedSource = Annotated[str, Field(pattern=r"^(inline|https?://[!-~]+)$", max_length=2048)]


class OperatorSettingsUpdate(Model):
    """A partial update of operator state; omitted fields keep their value."""

    public_url: str | None = Field(None, pattern=URL_PATTERN, max_length=2048)
    approval_ttl_seconds: int | None = Field(None, ge=60, le=30 * 24 * 3600)
    default_effects: DefaultEffects | None = None
    trusted_dock_publishers: list[DockPublisherKey] | None = None
    trusted_sources: list[SourcePrefix] | None = None
    unsigned_dock_sources: list[UnsignedSource] | None = None
    audit_retention_days: int | None = Field(None, ge=1, le=36_500)

    def changes(self) -> dict[str, Any]:
        """The fields the caller actually sent."""
        return self.model_dump(exclude_unset=True)


class ProcessSetting(Model):
    """One process setting of the running node, read-only, with where its value came from."""

    name: str
    value: Any = Field(description="The effective value; a database URL without its password")
    source: str = Field(description="default, file <path>, env HARBOR_<NAME> or flag")
    description: str


class ProcessConfig(Model):
    """The running node's process configuration and whether it listens beyond loopback."""

    settings: list[ProcessSetting]
    exposed: bool = Field(description="True when the node listens on a non-loopback address")
    exposure_warning: str | None = Field(
        None, description="What listening beyond loopback means, when it does"
    )


# --- Policy -------------------------------------------------------------------------------


class PolicyRequest(Model):
    """What a policy is asked about: one agent calling one action version with arguments."""

    agent: str
    action: str = Field(description="Qualified action name, port.action")
    port: str
    version: int
    risk: Risk
    arguments: dict[str, Any] = Field(default_factory=dict)


class PolicyDecision(Model):
    """A policy answer: the effect and what made it."""

    effect: Effect
    source: str = Field("", description="The rule or plugin that made the decision")
    reason: str = ""
    approvals_required: int = Field(1, ge=1)


# --- Connectors and ports -----------------------------------------------------------------

PortStatus = Literal["ready", "needs_secrets", "needs_reconnect", "unhealthy", "disabled"]
DraftStatus = Literal["draft", "validated", "tested", "published", "rejected"]
ActionState = Literal["enabled", "disabled", "archived"]


class ActionKindInfo(Model):
    """One kind of action a connector offers, with the schema of its definition."""

    name: str
    title: str
    description: str
    definition_schema: dict[str, Any]
    default_risk: Risk


class ActionTemplateInfo(Model):
    """A ready action a connector suggests for new ports."""

    name: str
    kind: str
    description: str
    risk: Risk
    input_schema: dict[str, Any]
    definition: dict[str, Any]


class ConnectorInfo(Model):
    """An installed connector type."""

    type: str
    title: str
    description: str
    distribution: str | None = None
    version: str | None = None
    config_schema: dict[str, Any]
    secret_fields: list[str]
    required_secrets: list[str]
    action_kinds: list[ActionKindInfo]
    receives_events: bool = False
    oauth: bool = False


class PortCreate(Model):
    """A new port: a named instance of a connector. Secrets are set separately."""

    name: str = Field(pattern=PORT_NAME_PATTERN)
    connector: str = Field(min_length=1, max_length=64)
    description: str = Field("", max_length=2000)
    config: dict[str, Any] = Field(default_factory=dict)


class PortUpdate(Model):
    """A partial update of a port; omitted fields keep their value."""

    description: str | None = Field(None, max_length=2000)
    config: dict[str, Any] | None = None
    disabled: bool | None = None


class SecretInfo(Model):
    """Whether a secret is set, and how; never its value."""

    name: str
    set: bool
    required: bool
    kind: Literal["value", "reference"] | None = None
    reference_scheme: str | None = None
    set_at: datetime | None = None


SecretValue = Annotated[str, StringConstraints(min_length=1, max_length=65536)]
SecretReference = Annotated[
    str,
    StringConstraints(
        pattern=r"^(env:[A-Za-z_][A-Za-z0-9_]*|file:/.+|keyring:[^/]+/.+)$", max_length=1024
    ),
]


class SecretSet(Model):
    """Set a secret: a value Harbor stores encrypted, or a reference resolved at call time."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["value"]}, {"required": ["reference"]}]},
    )

    value: SecretValue | SkipJsonSchema[None] = None
    reference: SecretReference | SkipJsonSchema[None] = Field(
        None, description="env:NAME, file:/absolute/path or keyring:service/name"
    )


class PortCheck(Model):
    """The stored result of a port's connection test."""

    ok: bool
    message: str
    checked_at: datetime


class PortLastCall(Model):
    """The newest call on a port, for lists."""

    id: str
    action: str = Field(description="Qualified action name, port.action")
    status: str
    created_at: datetime


class PortPublic(Model):
    """A port as the operator sees it."""

    name: str
    connector: str
    description: str
    config: dict[str, Any]
    status: PortStatus
    secrets: list[SecretInfo]
    last_check: PortCheck | None
    created_at: datetime
    updated_at: datetime
    last_call: PortLastCall | None = Field(None, description="The newest call on this port")


# --- Drafts and actions -------------------------------------------------------------------


class DraftCreate(Model):
    """A new draft: an unpublished version of an action on a port."""

    action: str = Field(pattern=ACTION_NAME_PATTERN)
    kind: str = Field(min_length=1, max_length=64)
    description: str = Field("", max_length=4000, description="What the action does, for agents")
    risk: Risk = "write"
    input_schema: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )
    definition: dict[str, Any] = Field(default_factory=dict)


class DraftUpdate(Model):
    """Change a draft; any change sends it back to ``draft`` for validation."""

    description: str | None = Field(None, max_length=4000)
    risk: Risk | None = None
    input_schema: dict[str, Any] | None = None
    definition: dict[str, Any] | None = None


class ValidationReport(Model):
    """The result of validating a draft."""

    ok: bool
    errors: list[ProblemError]
    validated_at: datetime


class DraftTestRequest(Model):
    """Sample arguments to run a draft once against its real port."""

    arguments: dict[str, Any] = Field(default_factory=dict)


class DraftTestResult(Model):
    """The outcome of a draft's test run."""

    ok: bool
    arguments: dict[str, Any]
    result: Any = None
    error: ProblemError | None = None
    tested_at: datetime


class DraftPublish(Model):
    """Publish a validated draft; ``force`` publishes one that was not tested."""

    force: bool = False


class DraftReject(Model):
    """Reject a draft with the reason."""

    reason: str = Field(min_length=1, max_length=2000)


class DraftPublic(Model):
    """A draft with its lifecycle state and results."""

    id: int
    port: str
    action: str
    kind: str
    description: str
    risk: Risk
    input_schema: dict[str, Any]
    definition: dict[str, Any]
    status: DraftStatus
    validation: ValidationReport | None
    test: DraftTestResult | None
    reason: str
    published_version: int | None
    created_at: datetime
    updated_at: datetime


class TemplatesApply(Model):
    """Create drafts from a connector's starter templates (all of them when names is empty)."""

    names: list[str] = Field(default_factory=list)


class ActionVersionPublic(Model):
    """One immutable published version of an action."""

    version: int
    kind: str
    description: str
    risk: Risk
    input_schema: dict[str, Any]
    definition: dict[str, Any]
    forced: bool
    draft_id: int | None
    rolled_back_from: int | None
    published_at: datetime


class ActionPublic(Model):
    """An action on a port, with its current published version."""

    port: str
    name: str
    qualified_name: str
    state: ActionState
    current_version: int
    current: ActionVersionPublic
    updated_at: datetime


class ActionStateUpdate(Model):
    """Enable, disable or archive an action."""

    state: ActionState


class ActionRollback(Model):
    """Publish the definition of an earlier version as a new version."""

    version: int = Field(ge=1)


class DiffEntry(Model):
    """One difference between two versions, located by JSON pointer."""

    pointer: str
    before: Any = None
    after: Any = None
    change: Literal["added", "removed", "changed"]


class ActionDiff(Model):
    """What changed from one version of an action to another."""

    from_version: int
    to_version: int
    changes: list[DiffEntry]


class AuditVerify(Model):
    """The result of verifying the audit chain."""

    ok: bool
    checked: int
    head_seq: int
    first_broken_seq: int | None
    message: str


__all__ = [
    "ACTION_NAME_PATTERN",
    "AGENT_NAME_PATTERN",
    "PORT_NAME_PATTERN",
    "SCOPE_PATTERN",
    "TOKEN_NAME_PATTERN",
    "URL_PATTERN",
    "ActionDiff",
    "ActionKindInfo",
    "ActionPublic",
    "ActionRollback",
    "ActionState",
    "ActionStateUpdate",
    "ActionTemplateInfo",
    "ActionVersionPublic",
    "AgentCreate",
    "AgentCreated",
    "AgentKeyCreate",
    "AgentKeyCreated",
    "AgentKeyPublic",
    "AgentPublic",
    "AgentUpdate",
    "AuditVerify",
    "ConnectorInfo",
    "DefaultEffects",
    "DiffEntry",
    "DraftCreate",
    "DraftPublic",
    "DraftPublish",
    "DraftReject",
    "DraftStatus",
    "DraftTestRequest",
    "DraftTestResult",
    "DraftUpdate",
    "Effect",
    "Health",
    "HealthPlugins",
    "LoginRequest",
    "Model",
    "OperatorSettings",
    "OperatorSettingsUpdate",
    "PasswordChange",
    "PluginInfo",
    "PolicyDecision",
    "PolicyRequest",
    "PortCheck",
    "PortCreate",
    "PortLastCall",
    "PortPublic",
    "PortStatus",
    "PortUpdate",
    "Problem",
    "ProblemError",
    "ProcessConfig",
    "ProcessSetting",
    "Risk",
    "Role",
    "Scope",
    "SecretInfo",
    "SecretSet",
    "SetupRequest",
    "TemplatesApply",
    "TokenCreate",
    "TokenCreated",
    "TokenPublic",
    "ValidationReport",
    "Whoami",
]


# --- Policy rules -------------------------------------------------------------------------

#: A qualified action name, ``port.action``.
QUALIFIED_ACTION_PATTERN = r"^[a-z0-9][a-z0-9-]{0,29}\.[a-z][a-z0-9_]{0,31}$"
#: A rule name: lower-case letters, digits, ``-`` and ``_``.
RULE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
#: An agent name, or a shell-style glob over agent names (``ci-*``).
AGENT_GLOB_PATTERN = r"^[a-z0-9_*?\[\]!-]{1,64}$"
#: Text without NUL characters, which PostgreSQL cannot store in a text column.
NO_NUL_PATTERN = r"^[^\x00]*$"
PlainText = Annotated[str, Field(max_length=2000, pattern=NO_NUL_PATTERN)]
RiskList = Annotated[list[Risk], Field(max_length=3, json_schema_extra={"uniqueItems": True})]


class RateLimit(Model):
    """At most ``calls`` calls in each window of ``window_seconds``, per agent and action."""

    calls: int = Field(ge=1, le=1_000_000)
    window_seconds: int = Field(ge=1, le=30 * 24 * 3600)


class PolicyRuleCreate(Model):
    """A new policy rule. Rules are evaluated in order; the first that matches decides."""

    name: str | None = Field(None, pattern=RULE_NAME_PATTERN, description="Unique, optional")
    description: str = Field("", max_length=2000, pattern=NO_NUL_PATTERN)
    agent: str | None = Field(
        None,
        pattern=AGENT_GLOB_PATTERN,
        description="Agent name or glob (``ci-*``); any agent when omitted",
    )
    action: Scope = Field(
        "*.*", description="Glob over qualified action names, e.g. 'github-*.create_*'"
    )
    risks: RiskList = Field(
        default_factory=list, description="Risks this rule applies to; any if empty"
    )
    arguments_schema: dict[str, Any] | None = Field(
        None,
        description="JSON Schema (2020-12) the call's arguments must match for the rule to apply",
    )
    effect: Effect
    approvals_required: int = Field(
        1, ge=1, le=10, description="Approvers needed when the effect is require_approval"
    )
    rate_limit: RateLimit | None = None
    enabled: bool = True
    position: int | None = Field(
        None, ge=1, le=1_000_000, description="Insert at this 1-based position; last if omitted"
    )


class PolicyRuleUpdate(Model):
    """A partial update of a rule; omitted fields keep their value, null clears an optional one."""

    name: str | None = Field(None, pattern=RULE_NAME_PATTERN)
    description: PlainText | SkipJsonSchema[None] = None
    agent: str | None = Field(None, pattern=AGENT_GLOB_PATTERN)
    action: Scope | SkipJsonSchema[None] = None
    risks: RiskList | SkipJsonSchema[None] = None
    arguments_schema: dict[str, Any] | None = None
    effect: Effect | SkipJsonSchema[None] = None
    approvals_required: Annotated[int, Field(ge=1, le=10)] | SkipJsonSchema[None] = None
    rate_limit: RateLimit | None = None
    enabled: bool | SkipJsonSchema[None] = None


class PolicyRulePublic(Model):
    """A policy rule as stored, with its place in the evaluation order."""

    id: int
    position: int = Field(description="1-based place in the evaluation order")
    name: str | None
    description: str
    agent: str | None
    action: str
    risks: list[Risk]
    arguments_schema: dict[str, Any] | None
    effect: Effect
    approvals_required: int
    rate_limit: RateLimit | None
    enabled: bool
    created_at: datetime
    updated_at: datetime


class PolicyRuleOrder(Model):
    """The new evaluation order: every rule id, exactly once, first rule first."""

    ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        max_length=10_000, json_schema_extra={"uniqueItems": True}
    )


class PolicyRuleMove(Model):
    """Move one rule to a new place in the evaluation order; the others keep their order."""

    position: int = Field(ge=1, le=1_000_000, description="1-based; past the end means last")


class PolicyExplainRequest(Model):
    """Ask what policy would answer for a call, without running or counting anything."""

    agent: str = Field(pattern=AGENT_NAME_PATTERN)
    action: str = Field(pattern=QUALIFIED_ACTION_PATTERN, description="port.action")
    arguments: dict[str, Any] = Field(default_factory=dict)


class PolicyExplanation(Model):
    """What policy would answer for a call, which rule or plugin decided, and why."""

    agent: str
    action: str
    version: int = Field(description="The action's current published version")
    risk: Risk
    effect: Effect
    source: str = Field(description="rule:<id>, default:<risk> or plugin:<name>")
    reason: str
    approvals_required: int
    rule_id: int | None = Field(None, description="The built-in rule that matched, if any")
    rate_limit: RateLimit | None = Field(None, description="That rule's rate limit")
    rate_limited: bool = Field(False, description="Whether the rate limit would block now")
    retry_after: int | None = Field(None, description="Seconds until the limit lets calls in")
    remaining: int | None = Field(None, description="Calls left in the current window")
    answers: list[PolicyDecision] = Field(
        default_factory=list, description="Every answer that was combined, in hook order"
    )


__all__ += [
    "AGENT_GLOB_PATTERN",
    "NO_NUL_PATTERN",
    "QUALIFIED_ACTION_PATTERN",
    "RULE_NAME_PATTERN",
    "PolicyExplainRequest",
    "PolicyExplanation",
    "PolicyRuleCreate",
    "PolicyRuleMove",
    "PolicyRuleOrder",
    "PolicyRulePublic",
    "PolicyRuleUpdate",
    "RateLimit",
]


# --- Audit log ----------------------------------------------------------------------------


class AuditEventPublic(Model):
    """One audit event: who did what to which subject, how it ended, and its link in the chain."""

    seq: int = Field(description="Sequence number: 1, 2, 3, ... without gaps")
    time: datetime
    actor_type: str = Field(description="operator, agent or system")
    actor: str = Field(description="The operator's, agent's or system's name")
    type: str = Field(description="What happened, e.g. agent.created, call.requested")
    subject: str = Field(description="What it happened to, e.g. agent:ci-bot, call:call_...")
    outcome: str = Field(description="ok, or how it ended (denied, failed, ...)")
    details: dict[str, Any] = Field(description="More about it; sensitive values are redacted")
    trace_id: str | None = None
    port: str | None = None
    action: str | None = Field(None, description="The qualified action, port.action")
    call_id: str | None = None
    prev_hash: str = Field(description="The hash of the previous event")
    hash: str = Field(description="SHA-256 over prev_hash and this event's fields")


class AuditPage(Model):
    """One page of audit events, newest first."""

    events: list[AuditEventPublic]
    next_cursor: str | None = Field(
        None, description="Pass as ?cursor= for the next, older page; null on the last page"
    )


class AuditPrune(Model):
    """Prune the audit events older than ``before`` (or than the retention setting)."""

    before: datetime | None = Field(
        None, description="Prune events older than this; audit_retention_days when omitted"
    )


class AuditPruneResult(Model):
    """What a prune removed. The chain is verified from the checkpoint it leaves."""

    pruned: int = Field(description="How many events were deleted")
    through_seq: int | None = Field(None, description="The last pruned event: the checkpoint")
    before: datetime


__all__ += ["AuditEventPublic", "AuditPage", "AuditPrune", "AuditPruneResult"]
