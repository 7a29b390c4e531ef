"""Importing Dock manifests into the node: fetch, verify, preview, and apply in one transaction.

A manifest comes from a URL (fetched through the node's guarded outbound client, size- and
time-limited; loopback and LAN addresses only for the operator's trusted sources) or inline
in the request. It is schema-checked, checked for credentials, and its detached ed25519
signature verified against the operator's trusted publisher keys; an unsigned manifest is
refused unless its source is one the operator allows unsigned imports from.

The preview changes nothing. The import creates the port (its secrets still to set), the
actions as drafts (validated; published only when the operator asks and the publisher is
trusted, each publish audited as forced), and the suggested rules disabled unless asked
otherwise. Re-importing a newer version updates the drafts and leaves secrets alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
import httpx
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from sqlmodel import Session, col, select

from harbor.connector import Connector
from harbor.contracts import (
    MAX_MANIFEST_BYTES,
    DockActionPlan,
    DockConnectorStatus,
    DockImportRequest,
    DockImportResult,
    DockManifest,
    DockPolicyPlan,
    DockPortPlan,
    DockPreview,
    DockSecretStatus,
    DraftCreate,
    DraftUpdate,
    OperatorSettings,
    PolicyRuleCreate,
    PortCreate,
    ProblemError,
)
from harbor.dock.manifests import load_json, parse_manifest, refuse, semver_key
from harbor.dock.signing import parse_signature
from harbor.dock.trust import INLINE_SOURCE, check_trust, source_matches
from harbor.errors import (
    Conflict,
    Forbidden,
    PayloadTooLarge,
    UpstreamFailed,
    UpstreamTimeout,
)
from harbor.node import Node
from harbor.runtime import drafts, ports, secrets
from harbor.runtime.actions import VERSIONED_FIELDS, json_diff
from harbor.runtime.audit import Actor, record_change
from harbor.runtime.outbound import (
    OutboundPolicy,
    OutboundRefused,
    ResponseTooLarge,
    client_for,
    request_host,
)
from harbor.runtime.policy_rules import create_rule
from harbor.runtime.schemas import instance_errors, schema_errors
from harbor.runtime.state import get_operator_settings, read_state, write_state
from harbor.store.policies import PolicyRule
from harbor.store.ports import Action, ActionVersion, Draft, Port

IMPORT_STATE_PREFIX = "dock_import:"
FETCH_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
SIGNATURE_SUFFIX = ".sig"


@dataclass(frozen=True)
class LoadedManifest:
    """A manifest that passed the schema, credential and signature checks."""

    manifest: DockManifest
    document: dict[str, Any]
    source: str
    signed: bool
    trusted: bool
    key_id: str | None


# --- Fetching ---------------------------------------------------------------------------------


async def fetch_document(node: Node, url: str, trusted_source: bool) -> tuple[bytes, bytes | None]:
    """GET the manifest and its ``.sig`` (None when absent), limited in size and time."""
    host = request_host(httpx.URL(url))
    policy = OutboundPolicy(
        allowed_hosts=frozenset({host}),
        allow_private_hosts=frozenset({host}) if trusted_source else frozenset(),
        max_response_bytes=MAX_MANIFEST_BYTES,
    )
    async with client_for(node.outbound(), policy) as client:
        manifest = await _get(client, url, host, trusted_source)
        if manifest is None:
            raise UpstreamFailed(f"{host} has no manifest at that URL (404)")
        signature = await _get(client, url + SIGNATURE_SUFFIX, host, trusted_source)
    return manifest, signature


async def _get(client: httpx.AsyncClient, url: str, host: str, trusted: bool) -> bytes | None:
    try:
        response = await client.get(url, timeout=FETCH_TIMEOUT)
    except ResponseTooLarge as err:
        raise PayloadTooLarge(f"the document at {host} is larger than {err.limit} bytes") from err
    except OutboundRefused as err:
        hint = "" if trusted else "; add the site to trusted_sources to reach a local address"
        raise Forbidden(f"{err.message}{hint}") from err
    except httpx.TimeoutException as err:
        raise UpstreamTimeout(f"{host} did not answer within {FETCH_TIMEOUT.read} s") from err
    except httpx.HTTPError as err:
        raise UpstreamFailed(f"cannot fetch from {host}: {err.__class__.__name__}") from err
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise UpstreamFailed(f"{host} answered {response.status_code}")
    return response.content


async def load_manifest(node: Node, request: DockImportRequest) -> LoadedManifest:
    """The manifest of ``request``, fetched if needed, verified, then checked.

    The node fetches only from the operator's trusted sources, and looks at a manifest's
    content only once its signature (or the source's permission to be unsigned) holds.
    """
    settings = await anyio.to_thread.run_sync(_operator_settings, node)
    signature = request.signature
    if request.url is not None:
        source = request.url
        if not source_matches(source, settings.trusted_sources):
            raise Forbidden(
                f"{httpx.URL(source).host or source} is not a trusted source; add the Dock "
                "site's address (such as https://dock.example.org) to trusted_sources in the "
                "operator settings to import from it"
            )
        raw, raw_signature = await fetch_document(node, source, trusted_source=True)
        document = load_json(raw, "manifest", MAX_MANIFEST_BYTES)
        signature = parse_signature(raw_signature) if raw_signature is not None else None
    else:
        source, document = INLINE_SOURCE, request.manifest
    signed, trusted, signer = check_trust(document, signature, source, settings)
    manifest = parse_manifest(document)
    assert isinstance(document, dict)
    return LoadedManifest(manifest, document, source, signed, trusted, signer)


def _operator_settings(node: Node) -> OperatorSettings:
    with node.store.read_session() as session:
        return get_operator_settings(session)


# --- The plan ---------------------------------------------------------------------------------


def port_name_for(loaded: LoadedManifest, request: DockImportRequest) -> str:
    """The port the import writes: the operator's choice, else the manifest's suggestion."""
    return request.port or loaded.manifest.port.name


def rule_name_for(port: str, policy_name: str) -> str:
    """A suggested rule's name on the node: prefixed by the port, at most 64 characters."""
    return f"{port}-{policy_name}"[:64]


def connector_status(node: Node, manifest: DockManifest) -> DockConnectorStatus:
    """Whether the node has the connector the manifest needs, and how to install it."""
    need = manifest.connector
    record = next((r for r in node.plugins.records.values() if need.type in r.connectors), None)
    installed = need.type in node.connectors
    installed_version = record.version if record else None
    requirement = f"{need.distribution}{need.version}"
    satisfied = installed and _satisfies(installed_version, need.version)
    return DockConnectorStatus(
        type=need.type,
        distribution=need.distribution,
        version=need.version,
        installed=installed,
        installed_version=installed_version,
        pip_install=None if satisfied else f"pip install --upgrade '{requirement}'",
    )


def _satisfies(version: str | None, spec: str) -> bool:
    if version is None:  # a connector registered without a distribution (tests, plugins)
        return True
    try:
        return SpecifierSet(spec).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def action_problems(connector: Connector, action: Any, index: int) -> list[ProblemError]:
    """What would make the action's draft fail validation on this node."""
    where = f"/actions/{index}"
    kind = connector.action_kinds.get(action.kind)
    if kind is None:
        kinds = ", ".join(sorted(connector.action_kinds)) or "none"
        return [ProblemError(pointer=f"{where}/kind", message=f"unknown kind (kinds: {kinds})")]
    errors = instance_errors(
        kind.definition_schema, action.definition, prefix=f"{where}/definition"
    )
    if not errors:
        try:
            connector.validate_definition(action.kind, action.definition)
        except Exception as err:  # InvalidDefinition, or a connector's own check failing
            errors.append(ProblemError(pointer=f"{where}/definition", message=str(err)))
    errors += [
        ProblemError(pointer=f"{where}/input_schema{e.pointer}", message=e.message)
        for e in schema_errors(action.input_schema)
    ]
    return errors


def manifest_problems(
    connector: Connector, manifest: DockManifest, config: dict[str, Any]
) -> list[ProblemError]:
    """Config, secrets and actions of ``manifest`` the installed connector would refuse."""
    problems = [
        ProblemError(pointer="/port" + e.pointer, message=e.message)
        for e in ports.config_errors(connector, config)
    ]
    fields = set(connector.secret_fields())
    problems += [
        ProblemError(
            pointer=f"/port/secrets/{i}/name",
            message=f"connector '{connector.type}' has no secret '{s.name}'",
        )
        for i, s in enumerate(manifest.port.secrets)
        if s.name not in fields
    ]
    for index, action in enumerate(manifest.actions):
        problems += action_problems(connector, action, index)
    return problems


def _action_fields(action: Any) -> dict[str, Any]:
    return {field: getattr(action, field) for field in VERSIONED_FIELDS}


def _current_fields(session: Session, port: Port, name: str) -> tuple[dict[str, Any], Draft | None]:
    """The action's newest known fields (open draft, else current version) and its open draft."""
    draft = session.exec(
        select(Draft)
        .where(
            Draft.port_id == port.id,
            Draft.action_name == name,
            col(Draft.status).in_(drafts.OPEN_STATUSES),
        )
        .order_by(col(Draft.id).desc())
    ).first()
    if draft is not None:
        return {f: getattr(draft, f) for f in VERSIONED_FIELDS}, draft
    action = session.exec(
        select(Action).where(Action.port_id == port.id, Action.name == name)
    ).first()
    if action is None:
        return {}, None
    version = session.exec(
        select(ActionVersion).where(
            ActionVersion.action_id == action.id, ActionVersion.version == action.current_version
        )
    ).first()
    return ({f: getattr(version, f) for f in VERSIONED_FIELDS} if version else {}), None


def _action_plans(
    session: Session, port: Port | None, port_name: str, manifest: DockManifest
) -> list[DockActionPlan]:
    plans = []
    for action in manifest.actions:
        current = _current_fields(session, port, action.name)[0] if port is not None else {}
        change = (
            "create"
            if not current
            else ("unchanged" if current == _action_fields(action) else "update")
        )
        plans.append(
            DockActionPlan(
                name=action.name,
                qualified_name=f"{port_name}.{action.name}",
                kind=action.kind,
                risk=action.risk,
                description=action.description,
                change=change,
            )
        )
    return plans


def _policy_plans(
    session: Session, port_name: str, manifest: DockManifest, enable: bool
) -> list[DockPolicyPlan]:
    taken = set(session.exec(select(PolicyRule.name)).all())
    return [
        DockPolicyPlan(
            name=rule_name_for(port_name, p.name),
            description=p.description,
            action=f"{port_name}.{p.action}",
            effect=p.effect,
            risks=list(p.risks),
            enabled=enable,
            exists=rule_name_for(port_name, p.name) in taken,
        )
        for p in manifest.policies
    ]


def plan_import(
    session: Session, node: Node, loaded: LoadedManifest, request: DockImportRequest
) -> DockPreview:
    """What importing ``loaded`` would do; raises when it could not be imported."""
    manifest = loaded.manifest
    port_name = port_name_for(loaded, request)
    port = session.exec(select(Port).where(Port.name == port_name)).first()
    previous = read_state(session, IMPORT_STATE_PREFIX + port_name)
    if port is not None:
        _check_reimport(port_name, port, previous, manifest)
    config = dict(port.config) if port is not None else {**manifest.port.config, **request.config}
    connector = node.connectors.get(manifest.connector.type)
    if connector is not None:
        problems = manifest_problems(connector, manifest, config)
        if problems:
            raise refuse(f"the manifest '{manifest.id}' cannot be imported on this node", problems)
    status = connector_status(node, manifest)
    set_secrets = set(secrets.secret_statuses(session, port)) if port is not None else set()
    warnings = _warnings(loaded, status, connector, manifest)
    return DockPreview(
        id=manifest.id,
        name=manifest.name,
        version=manifest.version,
        summary=manifest.summary,
        publisher=manifest.publisher,
        source=loaded.source,
        signed=loaded.signed,
        key_id=loaded.key_id,
        trusted=loaded.trusted,
        can_publish=loaded.trusted and status.installed,
        previous_version=previous["version"] if previous else None,
        connector=status,
        port=DockPortPlan(
            name=port_name,
            connector=manifest.connector.type,
            description=manifest.port.description,
            config=config,
            exists=port is not None,
        ),
        actions=_action_plans(session, port, port_name, manifest),
        policies=_policy_plans(session, port_name, manifest, request.enable_policies),
        secrets=[
            DockSecretStatus(
                name=s.name, description=s.description, url=s.url, set=s.name in set_secrets
            )
            for s in manifest.port.secrets
        ],
        diff=json_diff(previous["manifest"], loaded.document) if previous else [],
        warnings=warnings,
    )


def _check_reimport(port_name: str, port: Port, previous: Any, manifest: DockManifest) -> None:
    if not previous or previous.get("id") != manifest.id:
        raise Conflict(
            f"a port named '{port_name}' already exists and was not imported from "
            f"'{manifest.id}'; import under another port name"
        )
    if port.connector != manifest.connector.type:
        raise Conflict(f"port '{port_name}' uses connector '{port.connector}', not the manifest's")
    if semver_key(manifest.version) <= semver_key(previous["version"]):
        raise Conflict(
            f"'{manifest.id}' {previous['version']} is already imported on port '{port_name}'; "
            f"only a newer version than {manifest.version} updates it"
        )


def _warnings(
    loaded: LoadedManifest,
    status: DockConnectorStatus,
    connector: Connector | None,
    manifest: DockManifest,
) -> list[str]:
    warnings = []
    if not loaded.signed:
        warnings.append("the manifest is not signed: only import it if you trust its source")
    elif not loaded.trusted:
        warnings.append(f"the signing key {loaded.key_id} is not a trusted publisher")
    if not status.installed:
        warnings.append(
            f"the connector '{status.type}' is not installed: {status.pip_install}, then "
            "restart the node"
        )
    elif status.pip_install:
        warnings.append(
            f"{status.distribution} {status.installed_version} does not satisfy "
            f"'{status.version}': {status.pip_install}"
        )
    if connector is not None:
        listed = {s.name for s in manifest.port.secrets}
        missing = sorted(set(connector.required_secrets()) - listed)
        if missing:
            warnings.append(f"the connector also requires the secrets {', '.join(missing)}")
    return warnings


# --- Applying ---------------------------------------------------------------------------------


def apply_import(
    session: Session, node: Node, loaded: LoadedManifest, request: DockImportRequest
) -> DockImportResult:
    """Create or update the port, drafts and rules of ``loaded`` in the caller's transaction."""
    preview = plan_import(session, node, loaded, request)
    if not preview.connector.installed or preview.connector.pip_install:
        raise Conflict(
            f"this node needs {preview.connector.distribution}{preview.connector.version}: "
            f"run `{preview.connector.pip_install}` and restart the node, then import again"
        )
    if request.publish and not loaded.trusted:
        raise Forbidden(
            "publishing at import needs a manifest signed by a trusted publisher; import the "
            "actions as drafts, test them, and publish them yourself"
        )
    manifest, port_name = loaded.manifest, preview.port.name
    if not preview.port.exists:
        ports.create_port(
            session,
            node,
            PortCreate(
                name=port_name,
                connector=manifest.connector.type,
                description=manifest.port.description or manifest.summary,
                config=preview.port.config,
            ),
        )
    port = ports.get_port(session, port_name)
    draft_ids, published = _import_actions(session, node, port, manifest, preview, request.publish)
    rule_ids = _import_policies(session, manifest, preview, request.enable_policies)
    write_state(
        session,
        IMPORT_STATE_PREFIX + port_name,
        {"id": manifest.id, "version": manifest.version, "source": loaded.source,
         "key_id": loaded.key_id, "manifest": loaded.document},
    )  # fmt: skip
    record_change(
        session,
        "dock.imported",
        f"port:{port_name}",
        port=port_name,
        details={
            "manifest": manifest.id,
            "version": manifest.version,
            "previous_version": preview.previous_version,
            "source": loaded.source,
            "signed": loaded.signed,
            "key_id": loaded.key_id,
            "drafts": draft_ids,
            "published": published,
            "policies": rule_ids,
        },
    )
    status = ports.port_public(session, node, port).status
    return DockImportResult(
        preview=preview, drafts=draft_ids, published=published, policies=rule_ids,
        port_status=status,
    )  # fmt: skip


def _import_actions(
    session: Session,
    node: Node,
    port: Port,
    manifest: DockManifest,
    preview: DockPreview,
    publish: bool,
) -> tuple[list[int], list[str]]:
    changes = {plan.name: plan.change for plan in preview.actions}
    draft_ids: list[int] = []
    published: list[str] = []
    for action in manifest.actions:
        if changes[action.name] == "unchanged":
            continue
        draft_id = _write_draft(session, port, action)
        report = drafts.validate_draft(session, node, draft_id)
        if report.validation is not None and not report.validation.ok:
            raise refuse(f"action '{action.name}' does not validate", report.validation.errors)
        if publish:
            drafts.publish_draft(session, draft_id, force=True)
            published.append(action.name)
        draft_ids.append(draft_id)
    return draft_ids, published


def _write_draft(session: Session, port: Port, action: Any) -> int:
    """Update the action's open draft with the manifest's fields, or start a new draft."""
    _, open_draft = _current_fields(session, port, action.name)
    if open_draft is not None and open_draft.id is not None and open_draft.kind == action.kind:
        update = DraftUpdate(
            description=action.description,
            risk=action.risk,
            input_schema=action.input_schema,
            definition=action.definition,
        )
        return drafts.update_draft(session, open_draft.id, update).id
    if open_draft is not None and open_draft.id is not None:
        drafts.reject_draft(session, open_draft.id, "replaced by a Dock import of another kind")
    spec = DraftCreate(action=action.name, **{k: v for k, v in _action_fields(action).items()})
    return drafts.create_draft(session, port.name, spec).id


def _import_policies(
    session: Session, manifest: DockManifest, preview: DockPreview, enable: bool
) -> list[int]:
    created = []
    for suggestion, plan in zip(manifest.policies, preview.policies, strict=True):
        if plan.exists:
            continue
        rule = create_rule(
            session,
            PolicyRuleCreate(
                name=plan.name,
                description=suggestion.description,
                agent=suggestion.agent,
                action=plan.action,
                risks=list(suggestion.risks),
                arguments_schema=suggestion.arguments_schema,
                effect=suggestion.effect,
                approvals_required=suggestion.approvals_required,
                rate_limit=suggestion.rate_limit,
                enabled=enable,
            ),
        )
        created.append(rule.id)
    return created


# --- Entry points for the surfaces ------------------------------------------------------------


async def preview_import(node: Node, request: DockImportRequest) -> DockPreview:
    """Fetch, check and verify the manifest; say what an import would do. Changes nothing."""
    loaded = await load_manifest(node, request)

    def plan() -> DockPreview:
        with node.store.read_session() as session:
            return plan_import(session, node, loaded, request)

    return await anyio.to_thread.run_sync(plan)


async def import_manifest(node: Node, request: DockImportRequest, actor: Actor) -> DockImportResult:
    """Fetch, check and verify the manifest, then apply it in one transaction."""
    loaded = await load_manifest(node, request)

    def apply() -> DockImportResult:
        with node.store.session(actor) as session:
            return apply_import(session, node, loaded, request)

    return await anyio.to_thread.run_sync(apply)
