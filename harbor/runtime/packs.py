"""Harbor Packs: export a node's setup without secrets, and import it with a plan.

An export holds the chosen ports (config, and the names of their secrets to set — never a
value), the current published version and state of their actions, and the chosen policy
rules in evaluation order. An import first plans (creates, updates, unchanged, conflicts)
and, unless it is a dry run, applies the plan in the caller's transaction: any error rolls
everything back. Conflicts follow the chosen strategy: ``skip`` keeps what the node has,
``rename`` imports under a free name (``name-2``), ``replace`` updates ports and rules and
publishes a changed action as a new version — published versions are never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from harbor.contracts import (
    MAX_PACK_BYTES,
    ActionState,
    ConflictStrategy,
    HarborPack,
    PackAction,
    PackExportRequest,
    PackImportPlan,
    PackImportRequest,
    PackPlanItem,
    PackPolicy,
    PackPort,
    PackSecretToSet,
    PolicyRuleCreate,
    PolicyRuleUpdate,
    PortCreate,
    PortUpdate,
)
from harbor.dock.manifests import refuse
from harbor.errors import Conflict, InvalidRequest, NotFound, PayloadTooLarge
from harbor.node import Node
from harbor.runtime import ports, secrets
from harbor.runtime.actions import VERSIONED_FIELDS, get_version, publish_version, set_action_state
from harbor.runtime.audit import record_change
from harbor.runtime.connectors import get_connector
from harbor.runtime.dock_import import IMPORT_STATE_PREFIX, action_problems
from harbor.runtime.policy_rules import (
    create_rule,
    get_rule,
    ordered_rules,
    rule_public,
    update_rule,
)
from harbor.runtime.state import read_state, write_state
from harbor.store.policies import PolicyRule
from harbor.store.ports import Action, Port

SECRETS_STATE_PREFIX = "pack_secrets:"
POLICY_FIELDS = (
    "name", "description", "agent", "action", "risks", "arguments_schema", "effect",
    "approvals_required", "rate_limit", "enabled",
)  # fmt: skip


# --- Export ----------------------------------------------------------------------------------


def _secrets_to_set(session: Session, node: Node, port: Port) -> list[str]:
    """Secret names a port needs: set here, required by its connector, or named by the pack
    or the Dock manifest it came from."""
    connector = node.connectors.get(port.connector)
    required = set(connector.required_secrets()) if connector else set()
    declared = set(read_state(session, SECRETS_STATE_PREFIX + port.name) or [])
    imported = read_state(session, IMPORT_STATE_PREFIX + port.name) or {}
    from_dock = {s["name"] for s in imported.get("manifest", {}).get("port", {}).get("secrets", [])}
    # OAuth tokens ("oauth:...") come from connecting the port, never from the operator.
    stored = {name for name in secrets.secret_statuses(session, port) if ":" not in name}
    return sorted(stored | required | declared | from_dock)


def _pack_action(session: Session, port: Port, action: Action) -> PackAction:
    version = get_version(session, action, action.current_version)
    state: ActionState = action.state  # type: ignore[assignment]
    return PackAction(
        port=port.name,
        name=action.name,
        state=state,
        **{f: getattr(version, f) for f in VERSIONED_FIELDS},
    )


def _pack_policy(rule: PolicyRule) -> PackPolicy:
    public = rule_public(rule).model_dump(mode="json")
    return PackPolicy.model_validate({k: public[k] for k in POLICY_FIELDS})


def export_pack(session: Session, node: Node, spec: PackExportRequest) -> HarborPack:
    """The chosen ports, actions and rules as a pack; never a secret value."""
    chosen = (
        [ports.get_port(session, name) for name in sorted(set(spec.ports))]
        if spec.ports is not None
        else list(session.exec(select(Port).order_by(col(Port.name))).all())
    )
    by_name = {p.name: p for p in chosen}
    wanted = set(spec.actions) if spec.actions is not None else None
    for qualified in wanted or set():
        if qualified.split(".")[0] not in by_name:
            raise NotFound(f"action '{qualified}' is not on one of the exported ports")
    actions = []
    for port in chosen:
        rows = session.exec(
            select(Action).where(Action.port_id == port.id).order_by(col(Action.name))
        ).all()
        actions += [
            _pack_action(session, port, a)
            for a in rows
            if wanted is None or f"{port.name}.{a.name}" in wanted
        ]
    missing = (wanted or set()) - {f"{a.port}.{a.name}" for a in actions}
    if missing:
        raise NotFound(f"no such published actions: {', '.join(sorted(missing))}")
    rules = (
        [get_rule(session, rule_id) for rule_id in spec.policies]
        if spec.policies is not None
        else ordered_rules(session)
    )
    pack_ports = [
        PackPort(
            name=p.name,
            connector=p.connector,
            description=p.description,
            config=dict(p.config),
            secrets_to_set=_secrets_to_set(session, node, p),
        )
        for p in chosen
    ]
    try:
        pack = HarborPack(
            ports=pack_ports, actions=actions, policies=[_pack_policy(r) for r in rules]
        )
    except ValueError as err:  # a config value that looks like a credential
        raise InvalidRequest(f"this setup cannot be exported safely: {err}", status=422) from err
    record_change(
        session,
        "pack.exported",
        "pack:export",
        details={
            "ports": [p.name for p in pack.ports],
            "actions": len(pack.actions),
            "policies": len(pack.policies),
        },
    )
    return pack


# --- Import: the plan ------------------------------------------------------------------------


@dataclass
class Plan:
    """An import worked out against the node: what to write, and how to report it."""

    strategy: ConflictStrategy
    items: list[PackPlanItem] = field(default_factory=list)
    conflicts: int = 0
    port_targets: dict[str, str | None] = field(default_factory=dict)  # None: skipped
    writes: list[tuple[str, Any, str]] = field(default_factory=list)  # (what, item, target)

    def add(self, kind: str, name: str, operation: str, target: str | None = None,
            detail: str = "") -> None:  # fmt: skip
        """Record one line of the plan."""
        self.items.append(
            PackPlanItem.model_validate(
                {
                    "kind": kind,
                    "name": name,
                    "operation": operation,
                    "target": target if target != name else None,
                    "detail": detail,
                }
            )
        )

    def resolve(self, kind: str, name: str, free_name: str, detail: str) -> str | None:
        """A conflict under the strategy: the name to write (None: skip)."""
        self.conflicts += 1
        if self.strategy == "skip":
            self.add(kind, name, "skip", detail=f"conflict: {detail}; kept the node's")
            return None
        if self.strategy == "rename":
            self.add(kind, name, "create", free_name, f"conflict: {detail}; renamed")
            return free_name
        self.add(kind, name, "update", detail=f"conflict: {detail}; replaced")
        return name


def _free_name(taken: set[str], name: str, separator: str, limit: int) -> str:
    number = 2
    while True:
        suffix = f"{separator}{number}"
        candidate = name[: limit - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def _plan_ports(session: Session, node: Node, pack: HarborPack, plan: Plan) -> None:
    taken = set(session.exec(select(Port.name)).all())
    for port in pack.ports:
        # A connector this node does not have, or config it refuses, stops the whole import.
        errors = ports.config_errors(get_connector(node, port.connector), port.config)
        if errors:
            raise refuse(f"the config of port '{port.name}' is not valid here", errors)
        existing = session.exec(select(Port).where(Port.name == port.name)).first()
        if existing is None:
            plan.add("port", port.name, "create")
            plan.port_targets[port.name] = port.name
            plan.writes.append(("port-create", port, port.name))
            continue
        same = (existing.connector, existing.description, dict(existing.config)) == (
            port.connector, port.description, port.config,
        )  # fmt: skip
        if same:
            plan.add("port", port.name, "unchanged")
            plan.port_targets[port.name] = port.name
            continue
        if existing.connector != port.connector and plan.strategy == "replace":
            raise Conflict(
                f"port '{port.name}' uses connector '{existing.connector}' here and "
                f"'{port.connector}' in the pack; replace cannot change it: use rename"
            )
        free = _free_name(taken, port.name, "-", 30)
        target = plan.resolve("port", port.name, free, "the port exists with other settings")
        if target is not None:
            taken.add(target)
            plan.writes.append(
                ("port-create" if target != port.name else "port-update", port, target)
            )
        elif existing.connector != port.connector:
            plan.port_targets[port.name] = None
            continue
        plan.port_targets[port.name] = target or port.name


def _plan_actions(session: Session, node: Node, pack: HarborPack, plan: Plan) -> None:
    problems = []
    for index, action in enumerate(pack.actions):
        target_port = plan.port_targets.get(action.port)
        qualified = f"{action.port}.{action.name}"
        if target_port is None:
            plan.add("action", qualified, "skip", detail="its port is skipped")
            continue
        problems += [
            p.model_copy(update={"pointer": p.pointer.replace("/actions/0", f"/actions/{index}")})
            for p in action_problems(get_connector(node, _connector_of(pack, action)), action, 0)
        ]
        port = session.exec(select(Port).where(Port.name == target_port)).first()
        existing = None
        if port is not None:
            existing = session.exec(
                select(Action).where(Action.port_id == port.id, Action.name == action.name)
            ).first()
        if port is None or existing is None:
            plan.add("action", qualified, "create", f"{target_port}.{action.name}")
            plan.writes.append(("action", action, target_port + "." + action.name))
            continue
        retargeted = action.model_copy(update={"port": target_port})
        if _pack_action(session, port, existing) == retargeted:
            plan.add("action", qualified, "unchanged")
            continue
        names = set(session.exec(select(Action.name).where(Action.port_id == port.id)).all())
        free = _free_name(names, action.name, "_", 32)
        target = plan.resolve("action", qualified, f"{target_port}.{free}", "the action differs")
        if target == qualified:
            target = f"{target_port}.{action.name}"
        if target is not None:
            plan.writes.append(("action", action, target))
    if problems:
        raise refuse("the pack's actions would not validate on this node", problems)


def _connector_of(pack: HarborPack, action: PackAction) -> str:
    return next(p.connector for p in pack.ports if p.name == action.port)


def _retarget(policy: PackPolicy, targets: dict[str, str | None]) -> PackPolicy:
    port, dot, rest = policy.action.partition(".")
    target = targets.get(port)
    if dot and target and target != port:
        return policy.model_copy(update={"action": f"{target}.{rest}"})
    return policy


def _plan_policies(session: Session, pack: HarborPack, plan: Plan) -> None:
    rules = ordered_rules(session)
    existing = [_pack_policy(r) for r in rules]
    names = {r.name for r in rules if r.name}
    for raw in pack.policies:
        policy = _retarget(raw, plan.port_targets)
        label = policy.name or policy.action
        if policy in existing:
            plan.add("policy", label, "unchanged")
            continue
        if policy.name is None or policy.name not in names:
            plan.add("policy", label, "create")
            plan.writes.append(("policy-create", policy, label))
            continue
        free = _free_name(names, policy.name, "-", 64)
        target = plan.resolve("policy", label, free, "a rule of that name differs")
        if target is None:
            continue
        names.add(target)
        kind = "policy-create" if target != policy.name else "policy-update"
        plan.writes.append((kind, policy.model_copy(update={"name": target}), target))


def plan_pack(session: Session, node: Node, pack: HarborPack, strategy: ConflictStrategy) -> Plan:
    """Work out what importing ``pack`` does on this node (changes nothing)."""
    plan = Plan(strategy=strategy)
    _plan_ports(session, node, pack, plan)
    _plan_actions(session, node, pack, plan)
    _plan_policies(session, pack, plan)
    return plan


# --- Import: applying ------------------------------------------------------------------------


def _apply(session: Session, node: Node, pack: HarborPack, plan: Plan) -> None:
    for what, item, target in plan.writes:
        if what == "port-create":
            ports.create_port(
                session, node,
                PortCreate(name=target, connector=item.connector, description=item.description,
                           config=item.config),
            )  # fmt: skip
        elif what == "port-update":
            ports.update_port(
                session, node, target, PortUpdate(description=item.description, config=item.config)
            )
        elif what == "action":
            port_name, _, name = target.partition(".")
            port = ports.get_port(session, port_name)
            fields = {f: getattr(item, f) for f in VERSIONED_FIELDS}
            publish_version(session, port, name, fields, forced=True)
            if item.state != "enabled":
                set_action_state(session, port_name, name, item.state)
        elif what == "policy-create":
            create_rule(session, PolicyRuleCreate.model_validate(item.model_dump(mode="json")))
        elif what == "policy-update":
            rule = session.exec(select(PolicyRule).where(PolicyRule.name == target)).one()
            assert rule.id is not None
            update_rule(
                session, rule.id, PolicyRuleUpdate.model_validate(item.model_dump(mode="json"))
            )
    for pack_port in pack.ports:
        target_name = plan.port_targets.get(pack_port.name)
        if target_name and pack_port.secrets_to_set:
            write_state(session, SECRETS_STATE_PREFIX + target_name, pack_port.secrets_to_set)


def _secrets(pack: HarborPack, plan: Plan) -> list[PackSecretToSet]:
    return [
        PackSecretToSet(port=target, name=name)
        for port in pack.ports
        if (target := plan.port_targets.get(port.name))
        for name in port.secrets_to_set
    ]


def check_pack(pack: HarborPack) -> None:
    """What the schema cannot say: sizes, unique names, actions on the pack's own ports."""
    size = len(pack.model_dump_json().encode())
    if size > MAX_PACK_BYTES:
        raise PayloadTooLarge(f"the pack is {size} bytes; the limit is {MAX_PACK_BYTES} bytes")
    for kind, names in (
        ("port", [p.name for p in pack.ports]),
        ("action", [f"{a.port}.{a.name}" for a in pack.actions]),
        ("policy", [p.name for p in pack.policies if p.name]),
    ):
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise Conflict(f"the pack holds the {kind} {', '.join(repeated)} more than once")
    orphans = sorted({a.port for a in pack.actions} - {p.name for p in pack.ports})
    if orphans:
        raise NotFound(f"the pack has actions on ports it does not hold: {', '.join(orphans)}")


def import_pack(session: Session, node: Node, request: PackImportRequest) -> PackImportPlan:
    """Plan the import of ``request.pack`` and, unless a dry run, apply it in ``session``."""
    pack = request.pack
    check_pack(pack)
    plan = plan_pack(session, node, pack, request.on_conflict)
    if not request.dry_run:
        _apply(session, node, pack, plan)
        record_change(
            session,
            "pack.imported",
            "pack:import",
            details={
                "on_conflict": request.on_conflict,
                "conflicts": plan.conflicts,
                "items": [i.model_dump(exclude_none=True) for i in plan.items],
            },
        )
    return PackImportPlan(
        dry_run=request.dry_run,
        applied=not request.dry_run,
        on_conflict=request.on_conflict,
        items=plan.items,
        conflicts=plan.conflicts,
        secrets_to_set=_secrets(pack, plan),
    )
