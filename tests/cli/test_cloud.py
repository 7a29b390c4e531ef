"""``harbor cloud enroll|status|refresh|unenroll`` against a live node and a real cloud."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cloud.conftest import LiveCloud, enrollment_code, sign_up
from tests.conftest import free_port


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[LiveCloud]:
    """The real Harbor Cloud on loopback."""
    live_cloud = LiveCloud(tmp_path / "cloud")
    live_cloud.start()
    yield live_cloud
    live_cloud.stop()


def test_enroll_status_refresh_and_unenroll(live, harbor_cli, cloud):
    member = sign_up(cloud, "cli@example.org")
    code = enrollment_code(member)

    declined = harbor_cli("cloud", "enroll", "--url", cloud.url, "--code", code, input="n\n")
    assert declined.exit_code == 1
    assert f"trust {cloud.url}" in declined.stdout
    assert "not enrolled" in harbor_cli("cloud", "status").stdout

    enrolled = harbor_cli("cloud", "enroll", "--url", cloud.url, "--code", code, input="y\n")
    assert enrolled.exit_code == 0, enrolled.output
    assert f"added {cloud.url} to the trusted sources" in enrolled.stderr
    assert f"enrolled with {cloud.url}" in enrolled.stdout
    assert "plan:          community" in enrolled.stdout

    status = harbor_cli("cloud", "status", "--json")
    assert status.exit_code == 0
    assert json.loads(status.stdout)["status"] == "active"
    assert json.loads(status.stdout)["account_email"] == "cli@example.org"

    refreshed = harbor_cli("cloud", "refresh")
    assert refreshed.exit_code == 0, refreshed.output
    assert "license refreshed" in refreshed.stdout

    done = harbor_cli("cloud", "unenroll", "--yes")
    assert done.exit_code == 0
    assert done.stdout.strip() == f"unenrolled from {cloud.url}; the node runs as Community"
    assert "not enrolled" in harbor_cli("cloud", "status").stdout
    member.api.close()


def test_a_refused_code_is_one_error_line(live, harbor_cli, cloud):
    result = harbor_cli("cloud", "enroll", "--url", cloud.url, "--code", "NOT-A-CODE", "--yes")
    assert result.exit_code == 1
    assert result.stdout == ""
    added, error = result.stderr.strip().splitlines()
    assert added == f"added {cloud.url} to the trusted sources"
    assert error.startswith(f"error: Harbor Cloud at {cloud.url} refused the enrollment code")


def test_an_unreachable_cloud_is_one_error_line(live, harbor_cli):
    url = f"http://127.0.0.1:{free_port()}"
    result = harbor_cli("cloud", "enroll", "--url", url, "--code", "C-1", "--yes")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"error: Harbor Cloud at {url} cannot be reached (ConnectError)"


def test_refresh_without_an_enrollment_is_one_error_line(live, harbor_cli):
    result = harbor_cli("cloud", "refresh")
    assert result.exit_code == 1
    assert "not enrolled with Harbor Cloud" in result.stderr
