"""Team operators: invitations, roles on every operator route, several approvers, the licence."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from harbor.api.access import ACCESS_KEY, ROLE_KEY
from harbor.api.openapi import iter_operations
from harbor.node import License
from harbor.runtime import operators
from harbor.store.models import OperatorInvitation
from harbor.store.types import utcnow
from harbor.testing import TEST_HOST
from tests.api.calls_fixtures import call, make_port, publish

TEAM = License(plan="pro", features=frozenset({"team"}))
PASSWORD = "a long team password"


def client_for(app, credential: str | None = None) -> TestClient:
    headers = {"Authorization": f"Bearer {credential}"} if credential else {}
    return TestClient(app, base_url=f"http://{TEST_HOST}", headers=headers)


@pytest.fixture
def team(harbor_node):
    """The node licensed for team operators."""
    harbor_node.license = TEAM
    return harbor_node


def invite_and_join(owner: TestClient, app, name: str, role: str) -> str:
    """Invite ``name`` with ``role`` and join as them; their operator token."""
    invited = owner.post("/api/v1/operators/invitations", json={"role": role})
    assert invited.status_code == 201, invited.text
    with client_for(app) as anon:
        joined = anon.post(
            "/api/v1/operators/join",
            json={"token": invited.json()["token"], "name": name, "password": PASSWORD},
        )
    assert joined.status_code == 201, joined.text
    token: str = joined.json()["token"]
    return token


@pytest.fixture
def members(team, harbor_app, operator_client):
    """Tokens of ``ada`` (approver) and ``vic`` (viewer)."""
    return {
        "approver": invite_and_join(operator_client, harbor_app, "ada", "approver"),
        "viewer": invite_and_join(operator_client, harbor_app, "vic", "viewer"),
    }


def test_an_invitation_makes_an_operator_once(team, harbor_app, operator_client):
    invited = operator_client.post("/api/v1/operators/invitations", json={"role": "approver"})
    token = invited.json()["token"]
    assert "token" not in operator_client.get("/api/v1/operators/invitations").json()[0]
    with client_for(harbor_app) as anon:
        body = {"token": token, "name": "ada", "password": PASSWORD}
        joined = anon.post("/api/v1/operators/join", json=body)
        assert joined.status_code == 201, joined.text
        again = anon.post("/api/v1/operators/join", json={**body, "name": "eve"})
        assert again.status_code == 401
    with client_for(harbor_app, joined.json()["token"]) as ada:
        me = ada.get("/api/v1/auth/whoami").json()
    assert (me["name"], me["operator_role"]) == ("ada", "approver")
    team_list = operator_client.get("/api/v1/operators").json()
    assert [(o["name"], o["role"], o["status"]) for o in team_list] == [
        ("owner", "owner", "active"),
        ("ada", "approver", "active"),
    ]
    audit = operator_client.get("/api/v1/audit", params={"type": "operator.joined"}).json()
    assert [(e["actor"], e["details"]["invited_by"]) for e in audit["events"]] == [("ada", "owner")]


def test_an_expired_invitation_is_refused(team, harbor_app, operator_client):
    token = operator_client.post("/api/v1/operators/invitations", json={}).json()["token"]
    with team.store.session() as session:
        row = session.exec(select(OperatorInvitation)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    with client_for(harbor_app) as anon:
        body = {"token": token, "name": "late", "password": PASSWORD}
        refused = anon.post("/api/v1/operators/join", json=body)
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


def test_sign_in_by_name_and_password(members, harbor_app):
    with client_for(harbor_app) as anon:
        wrong = anon.post("/api/v1/auth/login", json={"name": "ada", "password": "nope"})
        assert wrong.status_code == 401
        right = anon.post("/api/v1/auth/login", json={"name": "ada", "password": PASSWORD})
        assert right.status_code == 201, right.text
    with client_for(harbor_app, right.json()["token"]) as ada:
        assert ada.get("/api/v1/auth/whoami").json()["name"] == "ada"
        # An operator sees and revokes only their own tokens.
        tokens = ada.get("/api/v1/tokens").json()
        assert {t["name"] for t in tokens} == {"login"}


# --- roles against every operator route -----------------------------------------------------


def operator_routes(app):
    """(method, path with dummy parameters, needed role) for each API operation an operator
    can use: the role the operation declares, else viewer to read and owner to change."""
    for method, path, operation in iter_operations(app.openapi()):
        if operation.get(ACCESS_KEY) == "public":
            continue
        method = method.upper()
        default = "viewer" if method == "GET" else "owner"
        yield method, re.sub(r"\{[^}]+\}", "1", path), operation.get(ROLE_KEY, default)


ROLES = ("viewer", "approver", "owner")


def test_each_role_is_refused_exactly_the_routes_above_it(members, harbor_app):
    routes = list(operator_routes(harbor_app))
    assert len(routes) > 60
    checked = 0
    for role in ("viewer", "approver"):
        with client_for(harbor_app, members[role]) as member:
            for method, path, needed in routes:
                answer = member.request(method, path, json={})
                refused = answer.status_code == 403 and "role" in answer.json().get("detail", "")
                allowed = ROLES.index(role) >= ROLES.index(needed)
                assert refused != allowed, (role, method, path, answer.status_code, answer.text)
                checked += 1
    assert checked == 2 * len(routes)


def test_a_viewer_cannot_approve_and_an_approver_cannot_change_policy(
    members, harbor_app, operator_client
):
    with client_for(harbor_app, members["viewer"]) as vic:
        refused = vic.post("/api/v1/approvals/apr_000000000000000000000000/approve", json={})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this needs the approver role; operator 'vic' is a viewer"
    with client_for(harbor_app, members["approver"]) as ada:
        rule = {"action": "*.*", "effect": "allow", "description": "everything"}
        refused = ada.post("/api/v1/policies", json=rule)
        assert refused.status_code == 403
        assert "owner role" in refused.json()["detail"]
        assert ada.patch("/api/v1/settings", json={"public_url": None}).status_code == 403
    assert operator_client.get("/api/v1/policies").json() == []


# --- several approvers ----------------------------------------------------------------------


@pytest.fixture
def two_approver_write(members, operator_client, loop_connector, upstream):
    """``up.touch`` (write) behind a rule that needs two approvers."""
    make_port(operator_client, upstream.url)
    action = publish(operator_client, "up", "touch", "write")
    rule = {
        "description": "two people approve touches",
        "action": action,
        "effect": "require_approval",
        "approvals_required": 2,
    }
    created = operator_client.post("/api/v1/policies", json=rule)
    assert created.status_code == 201, created.text
    return action


def approve(client: TestClient, approval_id: str, **body):
    return client.post(f"/api/v1/approvals/{approval_id}/approve", json=body)


def test_a_two_approver_rule_runs_after_two_different_operators(
    two_approver_write, members, harbor_app, operator_client, agent_client, upstream
):
    pending = call(agent_client, two_approver_write, {"suffix": "2"}).json()
    approval_id = pending["approval_id"]
    first = approve(operator_client, approval_id, note="one")
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "pending"
    assert [v["operator"] for v in first.json()["votes"]] == ["owner"]
    assert first.json()["approvals_needed"] == 2

    twice = approve(operator_client, approval_id)
    assert twice.status_code == 409
    assert "already approved" in twice.json()["detail"]
    assert upstream.requests == []

    with client_for(harbor_app, members["approver"]) as ada:
        second = approve(ada, approval_id, note="two")
        assert second.status_code == 200, second.text
        assert second.json()["status"] == "approved"
        assert second.json()["decided_by"] == "ada"
        done = agent_client.get(f"/api/v1/calls/{pending['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded"
    assert [r["path"] for r in upstream.requests] == ["/items/2"]
    audit = operator_client.get("/api/v1/audit", params={"call": pending["id"]}).json()
    votes = [e for e in audit["events"] if e["type"] == "approval.vote"]
    assert [(e["actor"], e["details"]["votes"]) for e in votes] == [("owner", ["owner"])]


def test_a_denial_ends_a_call_that_already_has_a_vote(
    two_approver_write, members, harbor_app, operator_client, agent_client, upstream
):
    pending = call(agent_client, two_approver_write, {"suffix": "3"}).json()
    assert approve(operator_client, pending["approval_id"]).json()["status"] == "pending"
    with client_for(harbor_app, members["approver"]) as ada:
        denied = ada.post(f"/api/v1/approvals/{pending['approval_id']}/deny", json={"reason": "no"})
        assert denied.status_code == 200
    assert approve(operator_client, pending["approval_id"]).status_code == 409
    done = agent_client.get(f"/api/v1/calls/{pending['id']}").json()
    assert done["status"] == "denied"
    assert upstream.requests == []


def test_an_edit_makes_earlier_votes_not_count(
    two_approver_write, members, harbor_app, operator_client, agent_client, upstream
):
    pending = call(agent_client, two_approver_write, {"suffix": "old"}).json()
    approval_id = pending["approval_id"]
    approve(operator_client, approval_id)
    with client_for(harbor_app, members["approver"]) as ada:
        edited = approve(ada, approval_id, arguments={"suffix": "new"})
    assert edited.json()["status"] == "pending"
    assert [v["operator"] for v in edited.json()["votes"]] == ["ada"]
    final = approve(operator_client, approval_id)
    assert final.json()["status"] == "approved"
    agent_client.get(f"/api/v1/calls/{pending['id']}", params={"wait": 10})
    assert [r["path"] for r in upstream.requests] == ["/items/new"]


def test_an_approver_cannot_approve_and_remember(
    two_approver_write, members, harbor_app, agent_client, operator_client
):
    pending = call(agent_client, two_approver_write, {"suffix": "4"}).json()
    with client_for(harbor_app, members["approver"]) as ada:
        refused = approve(ada, pending["approval_id"], remember=True)
    assert refused.status_code == 403
    assert "owner" in refused.json()["detail"]
    assert operator_client.get(f"/api/v1/approvals/{pending['approval_id']}").json()["votes"] == []


# --- the licence ----------------------------------------------------------------------------


def test_licence_off_keeps_accounts_locked_and_the_owner_alone_approves(
    two_approver_write, members, harbor_node, harbor_app, operator_client, agent_client, upstream
):
    harbor_node.license = License()
    with client_for(harbor_app, members["approver"]) as ada:
        locked = ada.get("/api/v1/approvals")
        assert locked.status_code == 401
        assert locked.json()["detail"] == operators.NEEDS_LICENCE
        login = ada.post("/api/v1/auth/login", json={"name": "ada", "password": PASSWORD})
        assert login.status_code == 403
    statuses = {o["name"]: o["status"] for o in operator_client.get("/api/v1/operators").json()}
    assert statuses == {"owner": "active", "ada": "needs_licence", "vic": "needs_licence"}
    refused = operator_client.post("/api/v1/operators/invitations", json={})
    assert refused.status_code == 403

    pending = call(agent_client, two_approver_write, {"suffix": "5"}).json()
    shown = operator_client.get(f"/api/v1/approvals/{pending['approval_id']}").json()
    assert (shown["approvals_required"], shown["approvals_needed"]) == (2, 1)
    assert approve(operator_client, pending["approval_id"]).json()["status"] == "approved"
    done = agent_client.get(f"/api/v1/calls/{pending['id']}", params={"wait": 10}).json()
    assert done["status"] == "succeeded"

    harbor_node.license = TEAM
    with client_for(harbor_app, members["approver"]) as ada:
        assert ada.get("/api/v1/approvals").status_code == 200


def test_the_owner_disables_enables_and_removes_but_never_themselves(
    members, harbor_app, operator_client
):
    assert (
        operator_client.patch("/api/v1/operators/owner", json={"disabled": True}).status_code == 409
    )
    assert (
        operator_client.patch("/api/v1/operators/owner", json={"role": "viewer"}).status_code == 409
    )
    disabled = operator_client.patch("/api/v1/operators/ada", json={"disabled": True})
    assert disabled.json()["status"] == "disabled"
    with client_for(harbor_app, members["approver"]) as ada:
        assert ada.get("/api/v1/approvals").status_code == 401
        operator_client.patch("/api/v1/operators/ada", json={"disabled": False})
        assert ada.get("/api/v1/approvals").status_code == 200
    assert operator_client.delete("/api/v1/operators/ada").status_code == 204
    with client_for(harbor_app, members["approver"]) as ada:
        assert ada.get("/api/v1/approvals").status_code == 401
    assert operator_client.delete("/api/v1/operators/owner").status_code == 409
    names = [o["name"] for o in operator_client.get("/api/v1/operators").json()]
    assert names == ["owner", "vic"]


def test_agents_cannot_touch_operators(members, agent_client):
    assert agent_client.get("/api/v1/operators").status_code == 403
    assert agent_client.post("/api/v1/operators/invitations", json={}).status_code == 403
