"""The operator's side of the SDK against a real node: configure, decide, govern, audit."""

from __future__ import annotations

import pytest

from harbor_client import HarborClient
from harbor_client.errors import Conflict, Forbidden, InvalidRequest, Unauthorized
from harbor_client.models import (
    DraftCreate,
    OperatorSettingsUpdate,
    PolicyRuleCreate,
    PortUpdate,
)
from tests.api.calls_fixtures import INPUT_SCHEMA


def test_ports_connectors_and_secrets(operator, upstream):
    loop = operator.get_connector("loop")
    assert loop.secret_fields == ["token"]
    assert [t.name for t in operator.list_templates("loop")] == ["read_status"]
    config = {"base_url": upstream.url, "allow_private_hosts": ["127.0.0.1"]}
    port = operator.create_port("second", "loop", config, description="for tests")
    assert port.status == "needs_secrets"
    port = operator.set_port_secret("second", "token", reference="env:SECOND_TOKEN")
    assert [(s.name, s.set, s.kind) for s in port.secrets] == [("token", True, "reference")]
    port = operator.set_port_secret("second", "token", value="typed-secret")
    assert "typed-secret" not in port.model_dump_json()
    assert operator.check_port("second").last_check is not None
    updated = operator.update_port("second", PortUpdate(description="renamed"))
    assert updated.description == "renamed"
    assert operator.disable_port("second").status == "disabled"
    assert operator.delete_port_secret("second", "token").secrets[0].set is False
    operator.delete_port("second")
    assert [p.name for p in operator.list_ports()] == ["up"]


def test_a_draft_from_create_to_publish_and_the_actions_it_makes(operator, agent):
    spec = DraftCreate(
        action="look", kind="get", risk="read", description="look at an item",
        input_schema=INPUT_SCHEMA, definition={"path": "/items"},
    )  # fmt: skip
    draft = operator.create_draft("up", spec)
    assert draft.status == "draft"
    assert operator.validate_draft(draft.id).validation.ok
    tested = operator.test_draft(draft.id, {"suffix": "try"})
    assert tested.test.ok
    assert tested.test.result == {"path": "/items/try", "ok": True}
    assert operator.publish_draft(draft.id).published_version == 1
    assert "up.look" in {a.name for a in agent.list_actions()}

    nxt = operator.create_draft("up", spec.model_copy(update={"description": "v2"}))
    operator.validate_draft(nxt.id)
    operator.publish_draft(nxt.id, force=True)
    assert [v.version for v in operator.list_action_versions("up", "look")] == [2, 1]
    diff = operator.diff_action("up", "look", 1, 2)
    assert [c.pointer for c in diff.changes] == ["/description"]
    assert operator.rollback_action("up", "look", 1).current_version == 3
    assert operator.set_action_state("up", "look", "disabled").state == "disabled"
    assert "up.look" not in {a.name for a in agent.list_actions()}
    assert operator.get_action("up", "look").current.description == "look at an item"

    rejected = operator.create_draft("up", spec)
    assert operator.reject_draft(rejected.id, "not needed").status == "rejected"
    with pytest.raises(Conflict):
        operator.publish_draft(rejected.id, force=True)
    assert operator.list_drafts("up")[0].id == rejected.id
    applied = operator.apply_templates("up", ["read_status"])
    assert [d.action for d in applied] == ["read_status"]


def test_approvals_approve_with_remember_and_read_one(operator, agent):
    handle = agent.call("up.touch", {"suffix": "r1"})
    approval = operator.get_approval(handle.approval_id)
    assert approval.arguments == {"suffix": "r1"}
    assert approval.risk == "write"
    operator.approve(approval.id, remember=True)
    assert agent.wait_for(handle, timeout=10).status == "succeeded"
    assert agent.call("up.touch", {"suffix": "r2"}).status == "succeeded"
    assert operator.list_approvals("approved")[0].id == approval.id
    assert operator.list_approvals() == []


def test_policies_order_and_explain(operator):
    first = operator.create_policy(PolicyRuleCreate(action="up.*", effect="deny"))
    second = operator.create_policy(PolicyRuleCreate(action="up.read", effect="allow"))
    assert operator.explain_policy("test-agent", "up.read").effect == "deny"
    operator.reorder_policies([second.id, first.id])
    assert [r.id for r in operator.list_policies()] == [second.id, first.id]
    assert operator.explain_policy("test-agent", "up.read", {"suffix": "x"}).effect == "allow"


def test_agents_tokens_settings_and_the_node(operator, live_node):
    created = operator.create_agent("helper", scopes=["up.read"], description="a helper")
    key = operator.create_agent_key("helper")
    assert len(operator.get_agent("helper").keys) == 2
    operator.revoke_agent_key("helper", key.id)
    assert operator.suspend_agent("helper", "checking").suspended_at is not None
    assert operator.resume_agent("helper").suspended_at is None
    operator.revoke_agent("helper")
    with HarborClient(live_node.url, created.key.key) as revoked, pytest.raises(Unauthorized):
        revoked.whoami()

    token = operator.create_token("script")
    assert token.token.startswith("hbo_")
    assert operator.revoke_token(token.id).revoked_at is not None
    assert "script" in {t.name for t in operator.list_tokens()}

    ttl = operator.update_settings(OperatorSettingsUpdate(approval_ttl_seconds=600))
    assert operator.get_settings().approval_ttl_seconds == ttl.approval_ttl_seconds == 600
    with pytest.raises(InvalidRequest):
        operator.request("PATCH", "/api/v1/settings", json={"approval_ttl_seconds": 1})
    assert operator.health().database == "ok"
    assert any(p.name == "loop-plugin" for p in operator.list_plugins())
    assert operator.pause_state().paused is False


def test_agent_keys_cannot_use_the_operator_side(agent):
    with pytest.raises(Forbidden):
        agent.list_ports()
    with pytest.raises(Forbidden):
        agent.list_approvals()


def test_packs_events_overview_and_one_audit_event(operator, agent):
    from harbor_client.dock_models import DockImportRequest
    from harbor_client.errors import HarborError
    from harbor_client.pack_models import PackExportRequest, PackImportRequest

    pack = operator.export_pack(PackExportRequest(ports=["up"]))
    assert [p.name for p in pack.ports] == ["up"]
    assert "upstream-token" not in pack.model_dump_json()
    plan = operator.import_pack(PackImportRequest(pack=pack))
    assert plan.dry_run is True
    assert plan.applied is False
    assert agent.list_port_events("up").events == []
    agent.call("up.read", {"suffix": "o"})
    overview = operator.overview()
    assert overview.model_dump()
    newest = operator.list_audit(limit=1).events[0]
    assert operator.get_audit_event(newest.seq) == newest
    with pytest.raises(HarborError) as refused:
        operator.preview_dock_import(DockImportRequest(manifest={"id": "x"}))
    assert refused.value.status in (400, 403, 422)
