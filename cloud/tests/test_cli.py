"""The harbor-cloud command: admin create and migrate."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harbor_cloud.accounts import sign_in
from harbor_cloud.cli import app
from harbor_cloud.settings import CloudSettings
from harbor_cloud.store.engine import Store


@pytest.fixture
def cli_env(
    cloud_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CloudSettings:
    """HARBOR_CLOUD_* pointing at the test database and a data dir in tmp_path."""
    monkeypatch.setenv("HARBOR_CLOUD_DATABASE_URL", cloud_database_url)
    monkeypatch.setenv("HARBOR_CLOUD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HARBOR_CLOUD_ADMIN_PASSWORD", raising=False)
    return CloudSettings.from_env()


def test_admin_create_reads_the_password_file_and_makes_an_admin(
    cli_env: CloudSettings, tmp_path: Path
) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text("an admin password 1\n")
    result = CliRunner().invoke(
        app,
        ["admin", "create", "--email", "Root@Cloud.test", "--password-file", str(password_file)],
    )
    assert result.exit_code == 0, result.output
    assert "admin root@cloud.test created" in result.output
    store = Store(cli_env.effective_database_url)
    with store.session() as session:
        signed_in = sign_in(session, cli_env, "root@cloud.test", "an admin password 1")
    store.dispose()
    assert signed_in.account.role == "admin"


def test_admin_create_refuses_a_short_password_in_one_line(
    cli_env: CloudSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARBOR_CLOUD_ADMIN_PASSWORD", "short")
    result = CliRunner().invoke(app, ["admin", "create", "--email", "root@cloud.test"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: the password needs at least 12 characters"


def test_migrate_reports_an_up_to_date_database(cli_env: CloudSettings) -> None:
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
