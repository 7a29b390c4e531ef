"""``harbor operators ...`` against a live node licensed for team operators."""

from __future__ import annotations

import json

import pytest

from harbor.node import License

TEAM = License(plan="pro", features=frozenset({"team"}))


@pytest.fixture
def team(harbor_node):
    harbor_node.license = TEAM
    return harbor_node


def test_invite_join_set_role_disable_and_remove(team, live, harbor_cli, anon_client):
    invited = harbor_cli("operators", "invite", "--role", "viewer")
    assert invited.exit_code == 0, invited.output
    token = invited.stdout.strip()
    assert token.startswith("hbi_")
    assert "invitation for a new viewer" in invited.stderr
    joined = anon_client.post(
        "/api/v1/operators/join",
        json={"token": token, "name": "vic", "password": "a long team password"},
    )
    assert joined.status_code == 201, joined.text

    listed = json.loads(harbor_cli("operators", "list", "--json").stdout)
    assert [(o["name"], o["role"], o["status"]) for o in listed] == [
        ("owner", "owner", "active"),
        ("vic", "viewer", "active"),
    ]
    assert harbor_cli("operators", "set-role", "vic", "approver").stdout.strip() == (
        "vic: approver, active"
    )
    assert harbor_cli("operators", "disable", "vic").stdout.strip() == "vic: approver, disabled"
    assert harbor_cli("operators", "enable", "vic").stdout.strip() == "vic: approver, active"
    used = harbor_cli("operators", "invitations").stdout
    assert "vic" in used

    myself = harbor_cli("operators", "disable", "owner")
    assert myself.exit_code == 1
    assert myself.stderr.strip().startswith("error: you cannot change your own role")

    assert harbor_cli("operators", "remove", "vic", "--yes").stdout.strip() == "removed vic"
    assert "vic" not in harbor_cli("operators", "list").stdout


def test_inviting_without_a_team_licence_is_one_error_line(live, harbor_cli):
    result = harbor_cli("operators", "invite")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: team operators need a Harbor Pro licence with the 'team' feature; until this "
        "node has one, only the owner can sign in"
    )
