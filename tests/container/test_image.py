"""The container image under Podman: built from this tree, run with a volume and a published
loopback port, used from outside, restarted, and still holding its data."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from harbor_client import HarborClient
from harbor_client.models import DraftCreate
from tests.conftest import database_url_for
from tests.container.conftest import ADMIN_PASSWORD, Container, form_csrf_token, operator_client

pytestmark = pytest.mark.container

#: An upstream inside the container, on its own loopback: the test's only "outside service".
UPSTREAM_PORT = 9000
UPSTREAM_DOCUMENT = {"status": "green", "source": "inside the container"}


def start_upstream(box: Container) -> None:
    """Serve a JSON file on 127.0.0.1:9000 inside the container (gone after a restart)."""
    document = json.dumps(UPSTREAM_DOCUMENT)
    box.run(
        "exec", box.name, "sh", "-c", f"mkdir -p /tmp/up && echo '{document}' > /tmp/up/status.json"
    )
    box.run(
        "exec", "--detach", box.name, "python", "-m", "http.server", str(UPSTREAM_PORT),
        "--bind", "127.0.0.1", "--directory", "/tmp/up",
    )  # fmt: skip
    probe = "import urllib.request as u; u.urlopen('http://127.0.0.1:9000/status.json', timeout=1)"
    deadline = time.monotonic() + 20
    while box.run("exec", box.name, "python", "-c", probe, check=False).returncode != 0:
        assert time.monotonic() < deadline, "the upstream inside the container did not start"
        time.sleep(0.3)


def publish_status_action(operator: HarborClient) -> None:
    """A port on the in-container upstream and a `write` action (so calls need approval)."""
    operator.create_port(
        "status-page",
        "http_api",
        {
            "base_url": f"http://127.0.0.1:{UPSTREAM_PORT}",
            "allow_private_hosts": ["127.0.0.1"],
        },
    )
    draft = operator.create_draft(
        "status-page",
        DraftCreate(
            action="read_status",
            kind="request",
            risk="write",
            description="Read the status document",
            definition={"method": "GET", "path": "/status.json"},
        ),
    )
    assert operator.validate_draft(draft.id).status == "validated"
    operator.publish_draft(draft.id, force=True)


def sign_in_through_the_console(url: str) -> None:
    """The sign-in form, as a browser uses it: CSRF token from the page, then the session."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        page = browser.get("/login")
        assert page.status_code == 200
        signed_in = browser.post(
            "/login",
            data={"password": ADMIN_PASSWORD, "csrf_token": form_csrf_token(page.text)},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        cookie = signed_in.headers["set-cookie"]
        assert "harbor_session=hbo_" in cookie
        assert "HttpOnly" in cookie
        assert "Secure" not in cookie  # plain HTTP on loopback: a Secure cookie would be lost
        overview = browser.get("/")
        assert overview.status_code == 200
        assert 'action="/logout"' in overview.text


def test_the_image_serves_keeps_its_data_and_stops_cleanly(containers, tmp_path: Path):
    password_file = tmp_path / "admin_password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    password_file.chmod(0o644)  # the image's user (uid 10001) reads the mounted secret
    box = containers.start(
        "--init",
        "--volume", f"{password_file}:/run/secrets/harbor_admin_password:ro",
        "--env", "HARBOR_ADMIN_PASSWORD_FILE=/run/secrets/harbor_admin_password",
        "--env", "HARBOR_ALLOWED_HOSTS=harbor.example.lan",
    )  # fmt: skip
    box.wait_healthy()

    # The image: non-root, its HEALTHCHECK kept and passing, its allowed host names configured.
    assert box.run("exec", box.name, "id", "-u").stdout.strip() == "10001"
    assert box.run("healthcheck", "run", box.name, check=False).returncode == 0
    lan_name = httpx.get(f"{box.url}/api/v1/health", headers={"Host": "harbor.example.lan"})
    assert lan_name.status_code == 200
    foreign = httpx.get(f"{box.url}/api/v1/health", headers={"Host": "rebind.example"})
    assert foreign.status_code == 400
    # The docs of this version ship in the image, served offline at /docs.
    docs = httpx.get(f"{box.url}/docs/")
    assert docs.status_code == 200, docs.text[:300]
    approval = httpx.get(f"{box.url}/docs/get-started/first-approval/")
    assert approval.status_code == 200
    assert "<title>Your first approval" in approval.text

    # From outside the container: the operator signs in with the password from the file ...
    operator = operator_client(box.url)
    sign_in_through_the_console(box.url)
    # ... configures an agent and an action; the agent's call waits for approval and runs.
    agent_key = operator.create_agent("container-agent", scopes=["status-page.*"]).key.key
    agent = HarborClient(box.url, key=agent_key)
    start_upstream(box)
    publish_status_action(operator)
    approved = agent.create_call("status-page.read_status")
    assert approved.status == "pending_approval"
    assert approved.approval_id is not None
    operator.approve(approved.approval_id, note="from the container test")
    finished = agent.wait_for(approved, timeout=60)
    assert finished.status == "succeeded", finished.error
    assert finished.result == UPSTREAM_DOCUMENT
    waiting = agent.create_call("status-page.read_status")
    assert waiting.status == "pending_approval"

    # podman restart sends SIGTERM: the node shuts down cleanly and starts on the same volume.
    box.run("restart", "--time", "30", box.name)
    box.wait_healthy()
    logs = box.logs()
    assert "Application shutdown complete." in logs
    assert "Finished server process" in logs
    assert logs.count("Application startup complete.") == 2
    assert "were running when the node stopped" not in logs

    # Everything survived: sign-in, the agent and its key, both calls, the audit chain.
    operator = operator_client(box.url)
    assert [a.name for a in operator.list_agents()] == ["container-agent"]
    assert agent.get_call(approved.id).result == UPSTREAM_DOCUMENT
    assert agent.get_call(waiting.id).status == "pending_approval"
    assert [a.call_id for a in operator.list_approvals()] == [waiting.id]
    verified = operator.verify_audit()
    assert verified.ok, verified
    assert verified.checked > 0
    assert ADMIN_PASSWORD not in logs

    # The backup of docs/container.md: taken from the running node, restored into a new volume.
    box.run("exec", box.name, "harbor", "backup", "--include-key", "/data/harbor-backup.tar.gz")
    restored_volume = containers.volume()
    containers.run_once(
        "--volume", f"{restored_volume}:/data", "--volume", f"{box.volume}:/backup:ro",
        "--", "restore", "/backup/harbor-backup.tar.gz",
    )  # fmt: skip
    copy = containers.start(volume=restored_volume)  # no password needed: the operator exists
    copy.wait_healthy()
    assert copy.run("exec", copy.name, "harbor", "audit", "verify", "--offline").returncode == 0
    restored = operator_client(copy.url)
    assert [a.name for a in restored.list_agents()] == ["container-agent"]
    assert restored.get_call(approved.id).result == UPSTREAM_DOCUMENT


def test_the_image_will_not_listen_without_an_operator_password(containers):
    box = containers.start()
    deadline = time.monotonic() + 120
    while box.running():
        assert time.monotonic() < deadline, f"the node started without a password:\n{box.logs()}"
        time.sleep(0.5)
    status = box.run("inspect", "--format", "{{.State.ExitCode}}", box.name).stdout.strip()
    assert status == "1"
    assert "error: refusing to listen on 0.0.0.0 before an operator password exists" in box.logs()
    assert "HARBOR_ADMIN_PASSWORD_FILE" in box.logs()


@pytest.fixture(params=["postgresql"])
def harbor_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The run's PostgreSQL database (left out when HARBOR_TEST_DATABASES excludes it)."""
    return database_url_for(request, tmp_path)


def test_the_image_runs_several_workers_on_postgresql(containers, harbor_database_url):
    box = containers.start(
        "--init",
        "--env", f"HARBOR_DATABASE_URL={harbor_database_url}",
        "--env", "HARBOR_WORKERS=2",
        "--env", f"HARBOR_ADMIN_PASSWORD={ADMIN_PASSWORD}",
        host_network=True,  # the container reaches PostgreSQL on the host's loopback
    )  # fmt: skip
    box.wait_healthy()
    assert httpx.get(f"{box.url}/api/v1/health").json()["database"] == "ok"
    operator = operator_client(box.url)
    for number in range(6):  # spread over both workers
        operator.create_agent(f"worker-agent-{number}", scopes=["status-page.*"])
    box.run("restart", "--time", "30", box.name)
    box.wait_healthy()
    logs = box.logs()
    # The supervisor passed SIGTERM on to its workers and waited for them: a clean stop.
    assert "Received SIGTERM, exiting." in logs
    assert "Stopping parent process" in logs
    assert "Application shutdown complete." in logs
    operator = operator_client(box.url)
    assert len(operator.list_agents()) == 6
    assert operator.verify_audit().ok
