"""Agents and keys in the console: create (key shown once), rotate, suspend, tokens, password."""

from __future__ import annotations

import httpx

from harbor.runtime import identity
from harbor.testing import OPERATOR_PASSWORD
from tests.ui.conftest import form_token


def whoami(console, key: str) -> httpx.Response:
    return httpx.get(
        f"{console.url}/api/v1/auth/whoami", headers={"Authorization": f"Bearer {key}"}
    )


def test_create_an_agent_and_rotate_its_key_in_the_browser(signed_in, console, shot):
    page = signed_in
    page.goto("/agents")
    page.get_by_label("Agent name").fill("ci-bot")
    page.get_by_label("Description", exact=True).fill("Builds and labels issues")
    page.get_by_label("Scopes").fill("github-*.list_*\nup.read_items")
    page.get_by_role("button", name="Create agent").click()
    assert "Agent ci-bot created" in page.inner_text("h1")
    first_key = page.get_by_label("Key").input_value()
    assert first_key.startswith("hba_")
    assert page.get_by_role("button", name="Copy to clipboard").is_visible()  # JS shows it
    assert whoami(console, first_key).json()["name"] == "ci-bot"
    shot(page, "agent-key-shown-once")

    page.get_by_role("link", name="Done, I saved it").click()
    assert first_key not in page.content()
    assert first_key[:12] in page.content()
    card = page.get_by_role("region", name="ci-bot")
    assert "github-*.list_*" in card.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())  # the confirm() before rotating
    card.get_by_role("button", name="Rotate").click()
    assert "Key of ci-bot rotated" in page.inner_text("h1")
    second_key = page.get_by_label("Key").input_value()
    assert second_key != first_key
    assert whoami(console, first_key).status_code == 401
    assert whoami(console, second_key).json()["name"] == "ci-bot"
    page.goto("/agents")
    assert "revoked" in page.get_by_role("row", name=first_key[:12]).inner_text()
    shot(page, "agents")
    shot(page, "agents", phone=True)


def test_suspend_resume_and_revoke_an_agent(signed_in_client, harbor_node, agent_key):
    client = signed_in_client
    token = form_token(client, "/agents")
    assert client.post("/agents/test-agent/suspend", data={"csrf_token": token}).status_code == 303
    assert "suspended" in client.get("/agents").text
    assert client.post("/agents/test-agent/resume", data={"csrf_token": token}).status_code == 303
    assert client.post("/agents/test-agent/revoke", data={"csrf_token": token}).status_code == 303
    with harbor_node.store.session() as session:
        assert identity.get_agent(session, "test-agent").revoked_at is not None
    again = client.post("/agents/test-agent/keys", data={"csrf_token": token})
    assert again.status_code == 409
    assert "is revoked" in again.text


def test_a_bad_agent_form_keeps_what_was_typed(signed_in_client):
    token = form_token(signed_in_client, "/agents")
    response = signed_in_client.post(
        "/agents", data={"csrf_token": token, "name": "Bad Name", "scopes": "not a scope"}
    )
    assert response.status_code == 422
    assert 'value="Bad Name"' in response.text
    assert "not a scope" in response.text


def test_operator_tokens_are_shown_once_and_revocable(signed_in_client, harbor_node):
    client = signed_in_client
    token = form_token(client, "/agents")
    created = client.post("/agents/tokens", data={"csrf_token": token, "name": "laptop-cli"})
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    with harbor_node.store.session() as session:
        listed = {t.name: t for t in identity.list_operator_tokens(session)}
    value = created.text.split('id="new-secret" type="text" readonly value="')[1].split('"')[0]
    assert value.startswith("hbo_")
    page = client.get("/agents").text
    assert value not in page
    assert "this session" in page
    revoked = client.post(
        f"/agents/tokens/{listed['laptop-cli'].id}/revoke", data={"csrf_token": token}
    )
    assert revoked.status_code == 303
    with harbor_node.store.session() as session:
        assert identity.list_operator_tokens(session)[0].revoked_at is not None


def test_change_the_operator_password(signed_in_client, harbor_node):
    client = signed_in_client
    token = form_token(client, "/agents")
    new = "a brand new passphrase"
    wrong = client.post(
        "/agents/password",
        data={
            "csrf_token": token,
            "current_password": "not it",
            "new_password": new,
            "new_password_again": new,
        },
    )
    assert wrong.status_code == 401
    assert "Wrong password" in wrong.text
    differ = client.post(
        "/agents/password",
        data={
            "csrf_token": token,
            "current_password": OPERATOR_PASSWORD,
            "new_password": new,
            "new_password_again": new + "x",
        },
    )
    assert "The two new passwords differ" in differ.text
    changed = client.post(
        "/agents/password",
        data={
            "csrf_token": token,
            "current_password": OPERATOR_PASSWORD,
            "new_password": new,
            "new_password_again": new,
        },
    )
    assert changed.status_code == 303
    with harbor_node.store.session() as session:
        assert identity.check_operator_password(session, new) is not None


def test_change_an_agents_scopes(signed_in, agent_key, console):
    page = signed_in
    page.goto("/agents")
    card = page.get_by_role("region", name="test-agent")
    card.get_by_text("Change scopes").click()
    card.get_by_label("Scopes of test-agent").fill("up.read_items\ngithub-*.list_*")
    card.get_by_role("button", name="Save scopes").click()
    assert "Scopes of test-agent saved." in page.inner_text("main")
    assert whoami(console, agent_key).json()["scopes"] == ["up.read_items", "github-*.list_*"]
