"""Dock manifests: the public contract of an integration in the catalog, and of its import.

A manifest describes one integration built on an installed connector: a port template
(non-secret config defaults and the names of the secrets the operator sets), action
templates, suggested policy rules and links. It never carries a secret value: config and
action definitions refuse secret-looking keys (``token``, ``password``, ``Authorization``,
...) in the schema itself, and :func:`credential_findings` refuses values that look like
credentials anywhere in the document (``ghp_...``, ``xoxb-...``, ``whsec_...``, URLs with a
password, long random strings under secret-ish keys).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic.json_schema import SkipJsonSchema

from harbor_client.models import (
    ACTION_NAME_PATTERN,
    AGENT_GLOB_PATTERN,
    NO_NUL_PATTERN,
    PORT_NAME_PATTERN,
    RULE_NAME_PATTERN,
    URL_PATTERN,
    DiffEntry,
    Effect,
    Model,
    ProblemError,
    RateLimit,
    Risk,
    RiskList,
)

MANIFEST_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$"
#: Semantic Versioning 2.0.0 (the regular expression semver.org suggests, without names).
SEMVER_PATTERN = (
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
CONNECTOR_TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
#: A distribution name as pip spells it (PEP 508 names).
DISTRIBUTION_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$"
#: A PEP 440 version specifier such as ``>=0.1,<1``.
VERSION_SPEC_PATTERN = r"^(\s*(~=|==|!=|<=|>=|<|>)\s*[0-9][0-9A-Za-z.*+!-]*\s*)(,\s*(~=|==|!=|<=|>=|<|>)\s*[0-9][0-9A-Za-z.*+!-]*\s*)*$"  # noqa: E501
CATEGORY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
SECRET_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
#: A glob over the action names of the imported port (``create_*``); the node prefixes it.
ACTION_GLOB_PATTERN = r"^[a-z0-9_*?\[\]!-]{1,64}$"
MAX_MANIFEST_BYTES = 256 * 1024

_SECRET_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "private_key",
    "private-key",
    "credential",
    "credentials",
    "authorization",
    "cookie",
    "webhook_url",
    "webhook-url",
)
SECRET_KEY_REGEX = re.compile(
    r"^(.*[_-])?(" + "|".join(re.escape(w) for w in _SECRET_WORDS) + r")$", re.IGNORECASE
)


def _case_insensitive(regex: str) -> str:
    """ECMA-262 (what JSON Schema uses) has no inline ``(?i)``: spell each letter as [xX]."""
    return re.sub(r"[a-z]", lambda m: f"[{m.group(0)}{m.group(0).upper()}]", regex)


#: The same test as :data:`SECRET_KEY_REGEX`, as a JSON Schema ``pattern``.
SECRET_KEY_PATTERN = _case_insensitive(
    r"^(.*[_-])?(" + "|".join(re.escape(w) for w in _SECRET_WORDS) + r")$"
)

# --- Values that look like credentials --------------------------------------------------------

CREDENTIAL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(regex))
    for label, regex in (
        ("a GitHub token", r"\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("a Slack token", r"\bxox[abposrce]-[A-Za-z0-9-]{10,}"),
        (
            "a Slack webhook URL",
            r"hooks\.slack\.com/(services|workflows|triggers)/[A-Za-z0-9/_-]{8,}",
        ),
        ("a Discord webhook URL", r"discord(app)?\.com/api/webhooks/[0-9]+/[A-Za-z0-9_-]{20,}"),
        ("an API key (sk-...)", r"\b(sk|rk|pk)[-_](live|test|proj|ant)?[-_]?[A-Za-z0-9_-]{20,}"),
        ("a webhook signing secret (whsec_...)", r"\bwhsec_[A-Za-z0-9+/=_-]{8,}"),
        ("an AWS access key", r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
        ("a JSON Web Token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        ("a private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        ("a URL with a password", r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
        ("a bearer token", r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{16,}"),
        ("a Harbor token or key", r"\bhb[aos]_[A-Za-z0-9_-]{16,}"),
    )
)
HIGH_ENTROPY_MIN_LENGTH = 16
HIGH_ENTROPY_BITS_PER_CHAR = 3.5
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|<[^<>]{1,64}>|\$\{[^}]*\}")


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_random(text: str) -> bool:
    """Whether ``text`` reads like a generated secret: long, one word, high entropy."""
    if len(text) < HIGH_ENTROPY_MIN_LENGTH or any(c.isspace() for c in text):
        return False
    if _PLACEHOLDER.search(text) or "://" in text:
        return False
    return _entropy(text) >= HIGH_ENTROPY_BITS_PER_CHAR


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _walk(value: Any, pointer: str, key: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(value, str):
        yield pointer, key, value
    elif isinstance(value, dict):
        for child_key, child in value.items():
            yield from _walk(child, f"{pointer}/{_escape(str(child_key))}", str(child_key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(child, f"{pointer}/{index}", key)


def credential_findings(document: Any, prefix: str = "") -> list[ProblemError]:
    """Every string in ``document`` that looks like a credential, located by JSON pointer.

    The message names what it looks like, never the value.
    """
    findings: list[ProblemError] = []
    for pointer, key, text in _walk(document, prefix, ""):
        label = next((name for name, regex in CREDENTIAL_PATTERNS if regex.search(text)), None)
        if label is None and SECRET_KEY_REGEX.match(key) and looks_random(text):
            label = f"a secret value under the key '{key}'"
        if label is not None:
            findings.append(
                ProblemError(
                    pointer=pointer or "/",
                    message=f"looks like {label}; secrets never travel in manifests or packs",
                )
            )
    return findings


def secret_key_findings(value: Any, prefix: str = "") -> list[ProblemError]:
    """Object keys in ``value`` that name a secret (``token``, ``Authorization``, ...)."""
    found: list[ProblemError] = []
    if isinstance(value, dict):
        for key, child in value.items():
            here = f"{prefix}/{_escape(str(key))}"
            if SECRET_KEY_REGEX.match(str(key)):
                found.append(
                    ProblemError(
                        pointer=here,
                        message=f"'{key}' names a secret: list it under secrets, never a value",
                    )
                )
            found += secret_key_findings(child, here)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += secret_key_findings(child, f"{prefix}/{index}")
    return found


def _no_secret_keys(value: dict[str, Any]) -> dict[str, Any]:
    found = secret_key_findings(value)
    if found:
        raise ValueError(f"{found[0].pointer}: {found[0].message}")
    return value


#: The JSON Schema of a value that holds no secret-named key at any depth.
SECRET_FREE_DEFS: dict[str, Any] = {
    "SecretFreeValue": {
        "anyOf": [
            {"type": ["string", "number", "boolean", "null"]},
            {"type": "array", "items": {"$ref": "#/$defs/SecretFreeValue"}},
            {"$ref": "#/$defs/SecretFreeObject"},
        ]
    },
    "SecretFreeObject": {
        "type": "object",
        "description": "Any JSON object whose keys never name a secret (token, password, "
        "api_key, Authorization, webhook_url, ...), at any depth",
        "propertyNames": {"not": {"pattern": SECRET_KEY_PATTERN}},
        "additionalProperties": {"$ref": "#/$defs/SecretFreeValue"},
    },
}

#: In API request bodies: the same check, described without a ``$defs`` reference.
SecretFreeDict = Annotated[dict[str, Any], AfterValidator(_no_secret_keys)]
_SECRET_FREE_MARKER = "x-harbor-secret-free"
#: In documents with a generated schema (manifests, packs): the check, and the schema says so.
SecretFreeObject = Annotated[
    SecretFreeDict, WithJsonSchema({"type": "object", _SECRET_FREE_MARKER: True})
]


def _link_secret_free(schema: Any) -> Any:
    """Replace each secret-free marker by a reference to the recursive definition."""
    if isinstance(schema, dict):
        if schema.get(_SECRET_FREE_MARKER) is True:
            return {"$ref": "#/$defs/SecretFreeObject"}
        return {key: _link_secret_free(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_link_secret_free(item) for item in schema]
    return schema


class NoCredentials(Model):
    """A root document that refuses credential-looking values anywhere inside it.

    Its JSON Schema describes secret-free objects with a recursive ``$defs`` entry, which
    pydantic cannot express by itself.
    """

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The generated schema, with the secret-free definitions linked in."""
        schema: dict[str, Any] = _link_secret_free(super().model_json_schema(*args, **kwargs))
        schema.setdefault("$defs", {}).update(SECRET_FREE_DEFS)
        return schema

    @model_validator(mode="after")
    def _refuse_credentials(self) -> NoCredentials:
        findings = credential_findings(self.model_dump(mode="json"))
        if findings:
            raise ValueError(f"{findings[0].pointer}: {findings[0].message}")
        return self


# --- The manifest -----------------------------------------------------------------------------

ShortText = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)]
Url = Annotated[str, Field(pattern=URL_PATTERN, max_length=2048)]


class DockPublisher(Model):
    """Who publishes the manifest. Trust comes from the signing key, not from this name."""

    name: ShortText
    url: Url | None = None


class DockConnector(Model):
    """The connector the integration needs, and the distribution that provides it."""

    type: str = Field(pattern=CONNECTOR_TYPE_PATTERN, description="Connector type, e.g. github")
    distribution: str = Field(
        pattern=DISTRIBUTION_PATTERN, description="The pip distribution, e.g. harbor-github"
    )
    version: str = Field(
        ">=0.1",
        pattern=VERSION_SPEC_PATTERN,
        max_length=100,
        description="PEP 440 version specifier the distribution must satisfy",
    )


class DockSecret(Model):
    """A secret the operator sets after import: its name and how to get it. Never a value."""

    name: str = Field(pattern=SECRET_NAME_PATTERN, description="The connector's secret field")
    description: str = Field(
        min_length=1, max_length=4000, description="Where to get it and which permissions it needs"
    )
    url: Url | None = Field(None, description="The page where the value is created")


class DockPortTemplate(Model):
    """The port the import creates: a suggested name, non-secret config, secrets by name."""

    name: str = Field(pattern=PORT_NAME_PATTERN, description="Suggested port name")
    description: str = Field("", max_length=2000)
    config: SecretFreeObject = Field(
        default_factory=dict, description="Non-secret config defaults; the operator may override"
    )
    secrets: list[DockSecret] = Field(default_factory=list, max_length=20)


class DockAction(Model):
    """An action template: arrives as a draft on the imported port."""

    name: str = Field(pattern=ACTION_NAME_PATTERN)
    kind: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=4000, description="What agents read")
    risk: Risk
    input_schema: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )
    definition: SecretFreeObject = Field(default_factory=dict)


class DockPolicy(Model):
    """A suggested policy rule; imported disabled unless the operator asks otherwise."""

    name: str = Field(pattern=RULE_NAME_PATTERN, description="Unique within the manifest")
    description: str = Field("", max_length=2000, pattern=NO_NUL_PATTERN)
    action: str = Field(
        "*",
        pattern=ACTION_GLOB_PATTERN,
        description="Glob over the port's action names; the node prefixes the port",
    )
    agent: str | None = Field(None, pattern=AGENT_GLOB_PATTERN)
    risks: RiskList = Field(default_factory=list)
    arguments_schema: dict[str, Any] | None = None
    effect: Effect
    approvals_required: int = Field(1, ge=1, le=10)
    rate_limit: RateLimit | None = None


class DockLink(Model):
    """A link shown on the integration's page (API docs, the service's console)."""

    title: ShortText
    url: Url


class DockManifest(NoCredentials):
    """One integration in the Dock catalog (``schemas/dock-manifest.schema.json``)."""

    manifest_version: Literal[1] = 1
    id: str = Field(pattern=MANIFEST_ID_PATTERN, description="Stable id, also the file name")
    name: ShortText
    version: str = Field(pattern=SEMVER_PATTERN, max_length=64, description="Semantic version")
    publisher: DockPublisher
    summary: ShortText
    description: str = Field(min_length=1, max_length=20_000, description="Markdown")
    categories: list[Annotated[str, Field(pattern=CATEGORY_PATTERN)]] = Field(
        min_length=1, max_length=5
    )
    icon: str | None = Field(
        None, max_length=8, pattern=r"^[^\x00-\x20/\\.<>\"'&]+$", description="An emoji or glyph"
    )
    connector: DockConnector
    port: DockPortTemplate
    actions: list[DockAction] = Field(min_length=1, max_length=50)
    policies: list[DockPolicy] = Field(default_factory=list, max_length=20)
    links: list[DockLink] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _unique_names(self) -> DockManifest:
        for label, names in (
            ("action", [a.name for a in self.actions]),
            ("policy", [p.name for p in self.policies]),
            ("secret", [s.name for s in self.port.secrets]),
        ):
            repeated = sorted(n for n, count in Counter(names).items() if count > 1)
            if repeated:
                raise ValueError(f"{label} names must be unique: {', '.join(repeated)}")
        return self


# --- Signatures -------------------------------------------------------------------------------

ED25519_KEY_PATTERN = r"^ed25519:[A-Za-z0-9+/]{43}=$"


class DockSignature(Model):
    """A detached ed25519 signature over a document's canonical bytes (RFC 8785 JCS)."""

    algorithm: Literal["ed25519"] = "ed25519"
    public_key: str = Field(
        pattern=ED25519_KEY_PATTERN, description="The signer's key: ed25519:<base64 of 32 bytes>"
    )
    signature: str = Field(
        pattern=r"^[A-Za-z0-9+/]{86}==$", description="base64 of the 64-byte signature"
    )


class DockIndexEntry(Model):
    """One integration as listed in a Dock site's ``index.json``."""

    id: str = Field(pattern=MANIFEST_ID_PATTERN)
    name: str
    version: str
    summary: str
    categories: list[str]
    icon: str | None = None
    connector: str
    manifest: str = Field(description="Path of the manifest, relative to index.json")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the manifest file")


class DockIndex(Model):
    """A Dock site's ``index.json``: every manifest it serves (signed like a manifest)."""

    index_version: Literal[1] = 1
    publisher: DockPublisher
    public_key: str = Field(pattern=ED25519_KEY_PATTERN)
    integrations: list[DockIndexEntry]


# --- Importing into a node --------------------------------------------------------------------


class DockImportRequest(Model):
    """Preview or import a manifest: by ``url``, or sent inline with its ``signature``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["url"]}, {"required": ["manifest"]}]},
    )

    url: Url | SkipJsonSchema[None] = Field(
        None, description="Where to fetch the manifest (its signature: the same URL + .sig)"
    )
    manifest: dict[str, Any] | SkipJsonSchema[None] = Field(None, description="The manifest itself")
    signature: DockSignature | None = Field(None, description="The inline manifest's signature")
    port: str | None = Field(
        None,
        pattern=PORT_NAME_PATTERN,
        description="Port name; the manifest's suggestion if omitted",
    )
    config: SecretFreeDict = Field(
        default_factory=dict, description="Non-secret config values over the manifest's defaults"
    )
    publish: bool = Field(
        False,
        description="Publish the actions at once (validated, audited as forced); only for "
        "manifests signed by a trusted publisher",
    )
    enable_policies: bool = Field(False, description="Create the suggested rules enabled")

    @model_validator(mode="after")
    def _one_source(self) -> DockImportRequest:
        if (self.url is None) == (self.manifest is None):
            raise ValueError("send exactly one of 'url' or 'manifest'")
        return self


class DockConnectorStatus(Model):
    """The connector a manifest needs and whether this node has it."""

    type: str
    distribution: str
    version: str
    installed: bool
    installed_version: str | None = None
    pip_install: str | None = Field(None, description="The command to install it, if missing")


class DockSecretStatus(Model):
    """A secret the operator will have to set (never its value)."""

    name: str
    description: str
    url: str | None = None
    set: bool = False


class DockActionPlan(Model):
    """What happens to one action of the manifest."""

    name: str
    qualified_name: str
    kind: str
    risk: Risk
    description: str
    change: Literal["create", "update", "unchanged"]


class DockPolicyPlan(Model):
    """A suggested rule as it would be created on this node."""

    name: str
    description: str
    action: str = Field(description="Qualified glob, port.action")
    effect: Effect
    risks: list[Risk]
    enabled: bool
    exists: bool = Field(description="A rule of that name is already on the node")


class DockPortPlan(Model):
    """The port the import creates or updates."""

    name: str
    connector: str
    description: str
    config: dict[str, Any]
    exists: bool


class DockPreview(Model):
    """What an import would do; nothing has changed yet."""

    id: str
    name: str
    version: str
    summary: str
    publisher: DockPublisher
    source: str = Field(description="The manifest's URL, or 'inline'")
    signed: bool
    key_id: str | None = Field(None, description="SHA-256 prefix of the signing key")
    trusted: bool = Field(description="Signed by a publisher key the operator trusts")
    can_publish: bool
    previous_version: str | None = Field(None, description="The version imported before")
    connector: DockConnectorStatus
    port: DockPortPlan
    actions: list[DockActionPlan]
    policies: list[DockPolicyPlan]
    secrets: list[DockSecretStatus]
    diff: list[DiffEntry] = Field(
        default_factory=list, description="Changes from the previously imported manifest"
    )
    warnings: list[str] = Field(default_factory=list)


class DockImportResult(Model):
    """What an import did."""

    preview: DockPreview
    drafts: list[int] = Field(description="Ids of the drafts created or updated")
    published: list[str] = Field(default_factory=list, description="Actions published at once")
    policies: list[int] = Field(default_factory=list, description="Ids of the rules created")
    port_status: str


__all__ = [
    "ACTION_GLOB_PATTERN",
    "CONNECTOR_TYPE_PATTERN",
    "ED25519_KEY_PATTERN",
    "MANIFEST_ID_PATTERN",
    "MAX_MANIFEST_BYTES",
    "SECRET_KEY_PATTERN",
    "SEMVER_PATTERN",
    "DockAction",
    "DockActionPlan",
    "DockConnector",
    "DockConnectorStatus",
    "DockImportRequest",
    "DockImportResult",
    "DockIndex",
    "DockIndexEntry",
    "DockLink",
    "DockManifest",
    "DockPolicy",
    "DockPolicyPlan",
    "DockPortPlan",
    "DockPortTemplate",
    "DockPreview",
    "DockPublisher",
    "DockSecret",
    "DockSecretStatus",
    "DockSignature",
    "NoCredentials",
    "SecretFreeDict",
    "SecretFreeObject",
    "credential_findings",
    "secret_key_findings",
]
