"""``harbor serve`` as a real process, and the commands that talk to it over HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

PASSWORD = "a long operator passphrase"


def wait_for(predicate, what: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``predicate`` for up to 20 s while the server is alive."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"harbor serve exited early:\n{log.read_text()}")
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen in 20 s:\n{log.read_text()}")


@pytest.fixture
def served(cli_home, monkeypatch) -> Iterator[tuple[str, str]]:
    """``harbor serve`` on a free loopback port with no operator: yields (url, setup token)."""
    port = free_port()
    monkeypatch.setenv("HARBOR_PORT", str(port))
    log_path = cli_home.root / "serve.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "harbor", "serve", "--log-format", "text"],
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(healthy, "health answering", server, log_path)
        token = re.search(r"hbs_[A-Za-z0-9_-]+", log_path.read_text())
        assert token, log_path.read_text()
        yield url, token.group(0)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_first_run_init_then_agents_and_tokens_over_http(served, harbor_cli, cli_home):
    url, setup_token = served
    health = httpx.get(f"{url}/api/v1/health").json()
    assert health["status"] == "ok"
    assert {"http_api", "webhook", "discord", "github"} <= set(health["plugins"]["loaded"])

    init = harbor_cli("init", "--setup-token", setup_token, "--password-stdin", input=PASSWORD)
    assert init.exit_code == 0, init.stderr

    created = harbor_cli("agents", "create", "ci-bot", "--scope", "github-*.list_*", "--json")
    assert created.exit_code == 0, created.stderr
    key = json.loads(created.stdout)["key"]["key"]
    whoami = httpx.get(f"{url}/api/v1/auth/whoami", headers={"Authorization": f"Bearer {key}"})
    assert whoami.json()["scopes"] == ["github-*.list_*"]

    listed = harbor_cli("agents", "list", "--json")
    assert [a["name"] for a in json.loads(listed.stdout)] == ["ci-bot"]
    duplicate = harbor_cli("agents", "create", "ci-bot", "--scope", "x.y")
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.stderr

    assert harbor_cli("agents", "revoke", "ci-bot").exit_code == 0
    again = httpx.get(f"{url}/api/v1/auth/whoami", headers={"Authorization": f"Bearer {key}"})
    assert again.status_code == 401

    token = harbor_cli("tokens", "create", "backup script", "--json")
    assert token.exit_code == 0, token.stderr
    token_id = json.loads(token.stdout)["id"]
    names = [t["name"] for t in json.loads(harbor_cli("tokens", "list", "--json").stdout)]
    assert "backup script" in names
    assert harbor_cli("tokens", "revoke", str(token_id)).exit_code == 0

    verified = harbor_cli("audit", "verify")
    assert verified.exit_code == 0, verified.stderr
    assert verified.stdout.startswith("ok: ")


def test_an_agent_key_cannot_drive_the_operator_commands(served, harbor_cli, monkeypatch):
    _url, setup_token = served
    harbor_cli("init", "--setup-token", setup_token, "--password-stdin", input=PASSWORD)
    key = json.loads(harbor_cli("agents", "create", "sneaky", "-s", "*.*", "--json").stdout)
    monkeypatch.setenv("HARBOR_TOKEN", key["key"]["key"])
    result = harbor_cli("agents", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")


def test_serve_refuses_to_listen_beyond_loopback_before_setup(harbor_cli):
    result = harbor_cli("serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0 before an operator password exists" in result.stderr


def test_serve_names_a_port_already_in_use(harbor_cli, monkeypatch):
    monkeypatch.setenv("HARBOR_ADMIN_PASSWORD", PASSWORD)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = harbor_cli("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr


def test_an_unreachable_node_is_one_line(harbor_cli, cli_home, monkeypatch):
    monkeypatch.setenv("HARBOR_TOKEN", "hbo_whatever")
    monkeypatch.setenv("HARBOR_URL", f"http://127.0.0.1:{free_port()}")
    result = harbor_cli("tokens", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach the Harbor node")
    assert len(result.stderr.splitlines()) == 1
