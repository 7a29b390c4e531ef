"""``harbor ports connect|connection|disconnect`` against a live node and the loopback server."""

from __future__ import annotations

import threading
import webbrowser

import httpx
import pytest

from harbor.api.app import create_app
from harbor.runtime.oauth import redirect_uri
from tests import oauth_server as fixtures
from tests.conftest import free_port, serving
from tests.oauth_server import PORT, OAuthTestServer

oauth_server = fixtures.oauth_server
oauth_port = fixtures.oauth_port


@pytest.fixture
def live(harbor_node, operator_token, oauth_port, oauth_server, cli_home, monkeypatch):
    """The node served on a free loopback port that is also its redirect URI's port."""
    port = free_port()
    harbor_node.settings.port = port
    oauth_server.client.redirect_uris = [redirect_uri(harbor_node)]
    with serving(create_app(node=harbor_node), port) as url:
        monkeypatch.setenv("HARBOR_URL", url)
        monkeypatch.setenv("HARBOR_TOKEN", operator_token)
        yield


def browser_signs_in(monkeypatch: pytest.MonkeyPatch, server: OAuthTestServer) -> list[str]:
    """``--open`` opens this 'browser': it signs in and follows the redirect to the node."""
    opened: list[str] = []

    def sign_in(url: str) -> None:
        opened.append(url)
        location = server.sign_in(url)
        threading.Thread(target=httpx.get, args=(location,), daemon=True).start()

    monkeypatch.setattr(webbrowser, "open", sign_in)
    return opened


def test_connect_prints_the_url_and_waits_until_the_browser_came_back(
    live, harbor_cli, oauth_server, monkeypatch
):
    opened = browser_signs_in(monkeypatch, oauth_server)
    result = harbor_cli("ports", "connect", PORT, "--open", "--timeout", "20")
    assert result.exit_code == 0, result.stderr
    assert opened
    assert opened[0] in result.stdout
    assert f"connected {PORT}; granted: profile.read" in result.stdout
    shown = harbor_cli("ports", "connection", PORT)
    assert "profile: connected" in shown.stdout
    assert "scopes granted:  profile.read" in shown.stdout
    assert fixtures.ACCESS_PREFIX not in shown.stdout + result.stdout


def test_reconnecting_waits_for_the_new_sign_in(live, harbor_cli, oauth_server, monkeypatch):
    browser_signs_in(monkeypatch, oauth_server)
    assert harbor_cli("ports", "connect", PORT, "--open", "--timeout", "20").exit_code == 0
    again = harbor_cli("ports", "connect", PORT, "--open", "--timeout", "20")
    assert again.exit_code == 0, again.stderr
    assert oauth_server.grants == ["authorization_code", "authorization_code"]


def test_an_unfinished_sign_in_is_one_error_line(live, harbor_cli):
    result = harbor_cli("ports", "connect", PORT, "--timeout", "1")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: the sign-in for {PORT} did not finish in time; "
        f"run `harbor ports connect {PORT}` again"
    )


def test_disconnect_revokes(live, harbor_cli, oauth_server, monkeypatch):
    browser_signs_in(monkeypatch, oauth_server)
    harbor_cli("ports", "connect", PORT, "--open", "--timeout", "20")
    result = harbor_cli("ports", "disconnect", PORT, "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"disconnected {PORT}: revoked at the provider"
    assert "profile: not connected" in harbor_cli("ports", "connection", PORT).stdout


def test_connecting_a_port_that_is_not_oauth_is_one_error_line(live, harbor_cli):
    result = harbor_cli("ports", "connect", "nope")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: no port named 'nope'"
