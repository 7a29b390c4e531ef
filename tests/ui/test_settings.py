"""Settings in the console: operator state edited, process configuration read-only."""

from __future__ import annotations

import pytest

from harbor.runtime import state
from tests.ui.conftest import form_token


def test_change_operator_settings_in_the_browser(signed_in, harbor_node, shot):
    page = signed_in
    page.goto("/settings")
    assert page.locator("#exposure-warning").count() == 0  # the test node listens on loopback
    process = page.get_by_role("row", name="host Address to listen on")
    assert "127.0.0.1" in process.inner_text()
    assert "default" in process.inner_text()
    shot(page, "settings")
    page.get_by_label("Write actions").select_option("deny")
    page.get_by_label("Approvals expire after (minutes)").fill("15")
    page.get_by_label("Public URL for links").fill("https://harbor.example.lan/")
    page.get_by_label("Trusted sources").fill(
        "https://dock.example.lan/\nhttps://dock.example.com/"
    )
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url("**/settings")
    assert "Settings saved." in page.inner_text("main")
    assert page.get_by_label("Public URL for links").input_value() == "https://harbor.example.lan"
    with harbor_node.store.session() as session:
        saved = state.get_operator_settings(session)
    assert saved.default_effects.write == "deny"
    assert saved.approval_ttl_seconds == 900
    assert saved.trusted_sources == ["https://dock.example.lan/", "https://dock.example.com/"]
    shot(page, "settings", phone=True)


def test_bad_settings_are_refused_inline_and_change_nothing(signed_in_client, harbor_node):
    token = form_token(signed_in_client, "/settings")
    form = {
        "csrf_token": token,
        "read": "allow",
        "write": "require_approval",
        "destructive": "deny",
    }
    bad_url = signed_in_client.post(
        "/settings", data={**form, "approval_ttl_minutes": "60", "public_url": "ftp://x"}
    )
    assert bad_url.status_code == 422
    assert 'value="ftp://x"' in bad_url.text
    zero = signed_in_client.post("/settings", data={**form, "approval_ttl_minutes": "0"})
    assert "between 1 minute and 30 days" in zero.text
    with harbor_node.store.session() as session:
        assert state.get_operator_settings(session).public_url is None


def test_clearing_the_public_url_resets_it(signed_in_client, harbor_node):
    token = form_token(signed_in_client, "/settings")
    form = {
        "csrf_token": token,
        "read": "allow",
        "write": "require_approval",
        "destructive": "deny",
        "approval_ttl_minutes": "60",
    }
    signed_in_client.post("/settings", data={**form, "public_url": "https://a.example"})
    signed_in_client.post("/settings", data={**form, "public_url": ""})
    with harbor_node.store.session() as session:
        assert state.get_operator_settings(session).public_url is None


class TestANodeReachableFromTheNetwork:
    """The same page when the node's process settings listen on every interface."""

    @pytest.fixture
    def harbor_settings(self, harbor_settings):
        """The test node's settings, listening on 0.0.0.0 (nothing is bound: only shown)."""
        return harbor_settings.model_copy(update={"host": "0.0.0.0"})

    def test_shows_the_network_exposure_warning(self, signed_in_client):
        page = signed_in_client.get("/settings").text
        assert 'id="exposure-warning"' in page
        assert "every network interface without TLS" in page
