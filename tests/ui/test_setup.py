"""First run: the setup token, then the operator password; then the operator is signed in."""

from __future__ import annotations

from harbor.runtime import setup
from tests.ui.conftest import form_token

NEW_PASSWORD = "a brand new operator password"


def fresh_setup_token(node) -> str:
    """A setup token whose value the test knows (the node logged its own at start)."""
    with node.store.session() as session:
        return setup.issue_setup_token(session)


def test_first_run_in_the_browser_sets_the_password_and_signs_in(page, harbor_node, shot):
    token = fresh_setup_token(harbor_node)
    page.goto("/")
    page.wait_for_url("**/setup")
    shot(page, "setup")
    page.get_by_label("Setup token").fill(token)
    page.get_by_label("Operator password").fill(NEW_PASSWORD)
    page.get_by_label("The password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set up and sign in").click()
    page.wait_for_url("**/")
    assert (
        page.get_by_role("status").first.inner_text() == "Harbor is set up and you are signed in."
    )
    assert page.get_by_role("heading", name="Overview").is_visible()
    shot(page, "overview-empty")
    shot(page, "overview-empty", phone=True)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.get_by_label("Operator password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_a_wrong_setup_token_is_refused_inline(ui_client, harbor_node):
    fresh_setup_token(harbor_node)
    csrf = form_token(ui_client, "/setup")
    response = ui_client.post(
        "/setup",
        data={
            "setup_token": "hbs_not-the-one",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 401
    assert "Wrong setup token" in response.text
    with harbor_node.store.read_session() as session:
        assert setup.needs_setup(session)


def test_the_two_passwords_must_match(ui_client, harbor_node):
    token = fresh_setup_token(harbor_node)
    csrf = form_token(ui_client, "/setup")
    response = ui_client.post(
        "/setup",
        data={
            "setup_token": token,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD + "!",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 400
    assert "The two passwords differ" in response.text


def test_setup_is_closed_once_the_operator_exists(ui_client, operator):
    response = ui_client.get("/setup")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
