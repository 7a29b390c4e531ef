"""Ports in the console: the list, "New port" from the connector's schema, secrets, checks."""

from __future__ import annotations

from harbor.runtime import ports
from tests.conftest import UPSTREAM_TOKEN
from tests.ui.conftest import form_token

NEW_PORT = "/ports/_new"


def test_create_a_port_with_a_secret_that_never_shows_again(
    signed_in, loop_connector, upstream, shot
):
    page = signed_in
    page.goto("/ports")
    assert "No ports yet" in page.inner_text("main")
    shot(page, "ports-empty")
    page.get_by_role("link", name="Add your first port").click()
    page.get_by_role("link", name="Loopback JSON").click()
    shot(page, "new-port-form")
    page.get_by_label("Port name").fill("up")
    page.get_by_label("Description").fill("The loopback test service")
    page.get_by_label("Base url").fill(upstream.url)
    page.get_by_label("Allow private hosts").fill("127.0.0.1")
    page.get_by_label("Token", exact=False).and_(page.locator("input[type=password]")).fill(
        UPSTREAM_TOKEN
    )
    page.get_by_role("button", name="Create port").click()
    page.wait_for_url("**/ports/up")
    assert "Port up created." in page.get_by_role("status").first.inner_text()
    assert UPSTREAM_TOKEN not in page.content()
    assert "not set" not in page.get_by_role("row", name="token").inner_text()
    assert page.get_by_role("textbox", name="Token").input_value() == ""
    shot(page, "workspace-new-port")

    page.get_by_role("button", name="Check connection").click()
    page.wait_for_url("**/ports/up")
    assert "Connection check of up passed" in page.inner_text("main")
    page.goto("/ports")
    row = page.get_by_role("row", name="up")
    assert "ready" in row.inner_text()
    assert "Loopback JSON" not in row.inner_text()  # the connector's type is shown: loop
    assert "loop" in row.inner_text()
    assert UPSTREAM_TOKEN not in page.content()
    shot(page, "ports-list")
    shot(page, "ports-list", phone=True)


def test_a_failed_check_is_shown_in_plain_words_on_the_list(
    signed_in, operator_api, loop_connector, upstream
):
    from tests.api.calls_fixtures import make_port

    make_port(operator_api, upstream.url)
    upstream.token = "rotated-upstream"  # the service no longer accepts the port's token
    page = signed_in
    page.goto("/ports")
    page.get_by_role("button", name="Check the connection of up").click()
    page.wait_for_url("**/ports")
    assert "Connection check of up failed: the upstream rejected the token" in page.inner_text(
        "main"
    )
    assert "needs reconnect" in page.get_by_role("row", name="up").inner_text()


def test_a_bad_form_is_shown_again_with_the_problem_and_without_the_secret(
    signed_in_client, loop_connector, harbor_node
):
    token = form_token(signed_in_client, f"{NEW_PORT}?connector=loop")
    response = signed_in_client.post(
        NEW_PORT,
        data={
            "csrf_token": token,
            "connector": "loop",
            "name": "Bad Name",
            "config.base_url": "ftp://nowhere",
            "secret.token": "typed-secret-PLANTED",
        },
    )
    assert response.status_code == 422
    assert "Some fields need a change" in response.text
    assert 'value="Bad Name"' in response.text
    assert "typed-secret-PLANTED" not in response.text
    with harbor_node.store.session() as session:
        assert ports.list_ports(session, harbor_node) == []


def test_the_config_schema_shapes_the_form(signed_in_client):
    page = signed_in_client.get(f"{NEW_PORT}?connector=http_api").text
    assert 'type="password"' in page  # bearer_token, basic_password, api_key: writeOnly
    assert 'name="secret.bearer_token"' in page
    assert 'name="config.auth"' in page
    assert "data-json-editor" in page
    assert 'name="config.allowed_hosts"' in page  # list of host names: one per line
    assert "One per line." in page


def test_a_bad_json_config_value_points_at_its_field(signed_in_client):
    token = form_token(signed_in_client, f"{NEW_PORT}?connector=http_api")
    response = signed_in_client.post(
        NEW_PORT,
        data={
            "csrf_token": token,
            "connector": "http_api",
            "name": "api",
            "config.base_url": "https://api.example.com",
            "config.auth": "{not json",
        },
    )
    assert response.status_code == 422
    assert "config → auth: not valid JSON" in response.text


def test_ports_need_a_session(ui_client, operator):
    response = ui_client.get("/ports")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
