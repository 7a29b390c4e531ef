"""A real node under uvicorn on a loopback port, reached over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harbor_client import HarborClient
from harbor_client.errors import Forbidden, Unauthorized
from tests.conftest import free_port

FIRST_PARTY_CONNECTORS = {"http_api", "webhook", "discord", "github"}
ADMIN_PASSWORD = "a long operator passphrase"


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A node started by uvicorn in its own process; yields its base URL and log file."""
    home = tmp_path_factory.mktemp("live")
    port = free_port()
    env = {
        **os.environ,
        "HARBOR_DATA_DIR": str(home / "data"),
        "HARBOR_CONFIG_DIR": str(home / "config"),
        "HARBOR_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "HARBOR_PORT": str(port),
    }
    env.pop("HARBOR_DATABASE_URL", None)
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "harbor.api.app:app_from_environment",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
    ]  # fmt: skip
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server, home / "server.log")
        yield url, home / "server.log"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Poll health until it answers (at most 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the node exited early:\n{log.read_text()}")
        try:
            httpx.get(f"{url}/api/v1/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"the node did not start in 20 s:\n{log.read_text()}")


@pytest.fixture
def live_url(live_node) -> str:
    """The live node's base URL."""
    return live_node[0]


def test_health_lists_the_four_connector_plugins(live_url):
    body = httpx.get(f"{live_url}/api/v1/health").json()
    assert body["status"] == "ok"
    assert FIRST_PARTY_CONNECTORS <= set(body["plugins"]["loaded"])


def test_operator_and_agent_over_real_http(live_url):
    operator = HarborClient(live_url, key=HarborClient(live_url).login(ADMIN_PASSWORD).token)
    created = operator.create_agent("live-agent", scopes=["github-*.list_*"])
    agent = HarborClient(live_url, key=created.key.key)
    assert agent.whoami().scopes == ["github-*.list_*"]
    with pytest.raises(Forbidden):
        agent.list_agents()
    operator.revoke_agent("live-agent")
    with pytest.raises(Unauthorized, match="revoked"):
        agent.whoami()


def test_logs_are_json_lines_with_request_ids_and_no_credentials(live_node):
    url, log_file = live_node
    login = HarborClient(url).login(ADMIN_PASSWORD)
    response = httpx.get(f"{url}/api/v1/nothing", headers={"X-Request-ID": "e2e-req-1"})
    assert response.status_code == 404
    assert response.json()["request_id"] == "e2e-req-1"
    deadline = time.monotonic() + 5
    while "e2e-req-1" not in log_file.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    access = [
        entry
        for entry in lines
        if entry.get("request_id") == "e2e-req-1" and entry["logger"] == "harbor.access"
    ]
    assert access[0]["status"] == 404
    assert access[0]["path"] == "/api/v1/nothing"
    assert login.token not in log_file.read_text()
    assert ADMIN_PASSWORD not in log_file.read_text()


def test_api_docs_load_nothing_from_a_cdn(live_url):
    page = httpx.get(f"{live_url}/api/docs").text
    assert "/api/static/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert httpx.get(f"{live_url}/api/static/swagger-ui-bundle.js").status_code == 200
