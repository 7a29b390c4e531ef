"""The admin API: lookup, detail, plan change, grant and revoke, all audited with the admin."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def events(client: TestClient, admin: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/admin/audit", headers=admin["headers"])
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()["events"]
    return found


def test_lookup_by_email_finds_the_account(client: TestClient, admin: Any, member: Any) -> None:
    who = member("grace@example.org")
    member("someone@else.org")
    found = client.get("/api/v1/admin/accounts?email=GRACE", headers=admin["headers"]).json()
    assert [a["id"] for a in found["accounts"]] == [who["account"]["id"]]


def test_account_detail_shows_nodes_codes_and_licenses(
    client: TestClient, admin: Any, member: Any, enroll: Any
) -> None:
    who = member()
    node, _ = enroll(who)
    client.post("/api/v1/enrollment-codes", headers=who["headers"])
    detail = client.get(f"/api/v1/admin/accounts/{who['account']['id']}", headers=admin["headers"])
    body = detail.json()
    assert [n["node_id"] for n in body["nodes"]] == [node.node_id]
    assert sorted(c["state"] for c in body["enrollment_codes"]) == ["open", "used"]
    assert [lic["node_id"] for lic in body["licenses"]] == [node.node_id]
    assert "code_hash" not in detail.text
    assert "password_hash" not in detail.text


def test_unknown_account_is_404(client: TestClient, admin: Any) -> None:
    response = client.get("/api/v1/admin/accounts/acc_missing", headers=admin["headers"])
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_plan_change_is_applied_and_audited_with_the_admin(
    client: TestClient, admin: Any, member: Any
) -> None:
    who = member()
    account_id = who["account"]["id"]
    patched = client.patch(
        f"/api/v1/admin/accounts/{account_id}", headers=admin["headers"], json={"plan": "pro"}
    )
    assert patched.status_code == 200
    assert (patched.json()["plan"], patched.json()["features"]) == ("pro", ["team"])
    assert client.get("/api/v1/account", headers=who["headers"]).json()["features"] == ["team"]
    changed = [e for e in events(client, admin) if e["action"] == "account.plan_changed"]
    assert len(changed) == 1
    assert changed[0]["actor_id"] == admin["id"]
    assert changed[0]["actor_role"] == "admin"
    assert changed[0]["subject"] == account_id
    assert changed[0]["details"] == {"previous": "community", "plan": "pro"}


def test_revoke_and_grant_override_the_plan(client: TestClient, admin: Any, member: Any) -> None:
    who = member()
    url = f"/api/v1/admin/accounts/{who['account']['id']}"
    client.patch(url, headers=admin["headers"], json={"plan": "pro"})
    revoked = client.patch(url, headers=admin["headers"], json={"revoke": ["team"]})
    assert (revoked.json()["plan"], revoked.json()["features"]) == ("pro", [])
    assert revoked.json()["overrides"] == {"team": False}
    client.patch(url, headers=admin["headers"], json={"plan": "community"})
    granted = client.patch(url, headers=admin["headers"], json={"grant": ["team"]})
    assert (granted.json()["plan"], granted.json()["features"]) == ("community", ["team"])
    actions = [e["action"] for e in events(client, admin) if e["actor_id"] == admin["id"]]
    assert actions.count("account.feature_revoked") == 1
    assert actions.count("account.feature_granted") == 1


def test_unknown_plan_or_feature_changes_nothing(
    client: TestClient, admin: Any, member: Any
) -> None:
    who = member()
    url = f"/api/v1/admin/accounts/{who['account']['id']}"
    bad_plan = client.patch(url, headers=admin["headers"], json={"plan": "platinum"})
    assert bad_plan.status_code == 422
    assert bad_plan.json()["code"] == "invalid_request"
    bad_feature = client.patch(
        url, headers=admin["headers"], json={"plan": "pro", "grant": ["teleport"]}
    )
    assert bad_feature.status_code == 422
    assert client.get(url, headers=admin["headers"]).json()["plan"] == "community"
    assert not [e for e in events(client, admin) if e["action"].startswith("account.plan")]


def test_refused_sign_ins_are_audited(client: TestClient, admin: Any, member: Any) -> None:
    who = member()
    client.post("/api/v1/sessions", json={"email": who["email"], "password": "wrong password!!"})
    failed = [e for e in events(client, admin) if e["action"] == "session.sign_in_failed"]
    assert [(e["subject"], e["details"]["reason"]) for e in failed] == [
        (who["email"], "wrong_credentials")
    ]
