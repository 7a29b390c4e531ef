"""Harbor Packs: a node's own setup (ports without secrets, actions, policies) as one file.

A pack is what ``POST /api/v1/packs/export`` writes (``.harborpack.json``) and
``POST /api/v1/packs/import`` reads (``schemas/harbor-pack.schema.json``). It never holds a
secret: ports list their secrets by name only, config refuses secret-named keys, and values
that look like credentials are refused anywhere in the file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from harbor_client.dock_models import (
    CONNECTOR_TYPE_PATTERN,
    SECRET_NAME_PATTERN,
    NoCredentials,
    SecretFreeObject,
)
from harbor_client.models import (
    ACTION_NAME_PATTERN,
    AGENT_GLOB_PATTERN,
    NO_NUL_PATTERN,
    PORT_NAME_PATTERN,
    QUALIFIED_ACTION_PATTERN,
    RULE_NAME_PATTERN,
    ActionState,
    Effect,
    Model,
    RateLimit,
    Risk,
    RiskList,
    Scope,
)

PACK_FILE_SUFFIX = ".harborpack.json"
MAX_PACK_BYTES = 1024 * 1024


class PackPort(Model):
    """A port without its secrets: the secrets are listed by name, to set after import."""

    name: str = Field(pattern=PORT_NAME_PATTERN)
    connector: str = Field(pattern=CONNECTOR_TYPE_PATTERN)
    description: str = Field("", max_length=2000)
    config: SecretFreeObject = Field(default_factory=dict)
    secrets_to_set: list[Annotated[str, Field(pattern=SECRET_NAME_PATTERN)]] = Field(
        default_factory=list, description="Secret names set on the exporting node (never values)"
    )


class PackAction(Model):
    """The current published version of an action, and its state."""

    port: str = Field(pattern=PORT_NAME_PATTERN)
    name: str = Field(pattern=ACTION_NAME_PATTERN)
    state: ActionState = "enabled"
    kind: str = Field(min_length=1, max_length=64)
    description: str = Field("", max_length=4000)
    risk: Risk
    input_schema: dict[str, Any]
    definition: SecretFreeObject = Field(default_factory=dict)


class PackPolicy(Model):
    """A policy rule, in evaluation order within the pack."""

    name: str | None = Field(None, pattern=RULE_NAME_PATTERN)
    description: str = Field("", max_length=2000, pattern=NO_NUL_PATTERN)
    agent: str | None = Field(None, pattern=AGENT_GLOB_PATTERN)
    action: Scope = "*.*"
    risks: RiskList = Field(default_factory=list)
    arguments_schema: dict[str, Any] | None = None
    effect: Effect
    approvals_required: int = Field(1, ge=1, le=10)
    rate_limit: RateLimit | None = None
    enabled: bool = True


class HarborPack(NoCredentials):
    """A ``.harborpack.json`` file (``schemas/harbor-pack.schema.json``)."""

    pack_version: Literal[1] = 1
    ports: list[PackPort] = Field(default_factory=list, max_length=500)
    actions: list[PackAction] = Field(default_factory=list, max_length=5000)
    policies: list[PackPolicy] = Field(default_factory=list, max_length=1000)


class PackExportRequest(Model):
    """What to export; an omitted list means all of them, an empty list none."""

    ports: list[Annotated[str, Field(pattern=PORT_NAME_PATTERN)]] | None = Field(
        None, description="Port names; every port when omitted"
    )
    actions: list[Annotated[str, Field(pattern=QUALIFIED_ACTION_PATTERN)]] | None = Field(
        None, description="Qualified names (port.action); every action of the ports when omitted"
    )
    policies: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] | None = Field(
        None, description="Rule ids; every rule when omitted"
    )


ConflictStrategy = Literal["skip", "rename", "replace"]


class PackImportRequest(Model):
    """Import a pack; by default only shows the plan (``dry_run``)."""

    pack: HarborPack = Field(description="The .harborpack.json document")
    dry_run: bool = Field(True, description="Only show the plan; change nothing")
    on_conflict: ConflictStrategy = Field(
        "skip",
        description="skip keeps what the node has; rename imports under a new name; replace "
        "updates ports and rules and publishes actions as new versions",
    )


class PackPlanItem(Model):
    """What the import does to one port, action or policy."""

    kind: Literal["port", "action", "policy"]
    name: str = Field(description="Port name, port.action, or the rule's name or action glob")
    operation: Literal["create", "update", "unchanged", "skip", "conflict"]
    target: str | None = Field(None, description="The name it gets on this node, when renamed")
    detail: str = ""


class PackSecretToSet(Model):
    """A secret to set after the import."""

    port: str
    name: str


class PackImportPlan(Model):
    """The plan of an import, and whether it was applied."""

    dry_run: bool
    applied: bool
    on_conflict: ConflictStrategy
    items: list[PackPlanItem]
    conflicts: int
    secrets_to_set: list[PackSecretToSet]


__all__ = [
    "MAX_PACK_BYTES",
    "PACK_FILE_SUFFIX",
    "ConflictStrategy",
    "HarborPack",
    "PackAction",
    "PackExportRequest",
    "PackImportPlan",
    "PackImportRequest",
    "PackPlanItem",
    "PackPolicy",
    "PackPort",
    "PackSecretToSet",
]
