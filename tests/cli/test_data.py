"""Commands on the data directory: backup, restore, secrets rotate-key, audit verify --offline."""

from __future__ import annotations

import json
import sqlite3

import pytest

from harbor.node import Node
from harbor.runtime import identity, secrets
from harbor.settings import load_settings
from harbor.store.ports import Port

SECRET = "ghp_PLANTED_cli_secret_0451"


@pytest.fixture
def populated(cli_home) -> Node:
    """A prepared node with an operator, a port and one stored secret (then closed)."""
    node = Node(load_settings())
    node.prepare()
    with node.store.session() as session:
        identity.create_operator(session, "a long operator passphrase")
        port = Port(name="github-work", connector="github", config={})
        session.add(port)
        session.flush()
        secrets.set_secret(session, node.secret_box(), port, "token", value=SECRET)
    node.close()
    return node


def stored_secret(node: Node) -> str:
    """The port's secret as a fresh node with the current key reads it."""
    fresh = Node(load_settings())
    try:
        with fresh.store.session() as session:
            port = session.get(Port, 1)
            assert port is not None
            return secrets.resolve_secrets(session, fresh.secret_box(), port)["token"]
    finally:
        fresh.close()


def test_backup_and_restore_round_trip_through_the_cli(
    harbor_cli, cli_home, populated, monkeypatch
):
    archive = cli_home.root / "node.tar.gz"
    made = harbor_cli("backup", str(archive), "--include-key")
    assert made.exit_code == 0, made.stderr
    assert SECRET not in made.stdout + made.stderr

    monkeypatch.setenv("HARBOR_DATA_DIR", str(cli_home.root / "restored"))
    restored = harbor_cli("restore", str(archive))
    assert restored.exit_code == 0, restored.stderr
    assert stored_secret(populated) == SECRET
    assert harbor_cli("audit", "verify", "--offline").exit_code == 0


def test_backup_without_the_key_warns_loudly(harbor_cli, cli_home, populated):
    result = harbor_cli("backup", str(cli_home.root / "nokey.tar.gz"))
    assert result.exit_code == 0
    assert "NOT included" in result.stderr


def test_restore_into_a_used_data_dir_is_refused(harbor_cli, cli_home, populated):
    archive = cli_home.root / "node.tar.gz"
    harbor_cli("backup", str(archive))
    result = harbor_cli("restore", str(archive))
    assert result.exit_code == 1
    assert "is not empty" in result.stderr


def test_rotate_key_reencrypts_and_keeps_the_old_key(harbor_cli, cli_home, populated):
    old_key = (cli_home.data_dir / "secret.key").read_text()
    result = harbor_cli("secrets", "rotate-key")
    assert result.exit_code == 0, result.stderr
    assert "re-encrypted 1 stored secret" in result.stdout
    assert (cli_home.data_dir / "secret.key").read_text() != old_key
    assert (cli_home.data_dir / "secret.key.old").read_text().strip() == old_key.strip()
    assert not (cli_home.data_dir / "secret.key.pending").exists()
    assert stored_secret(populated) == SECRET


def test_rotate_key_with_the_env_key_prints_the_new_one(harbor_cli, populated, monkeypatch):
    env_box = secrets.SecretBox.generate()
    monkeypatch.setenv("HARBOR_SECRET_KEY", env_box.key_b64)
    node = Node(load_settings())
    with node.store.session() as session:
        port = session.get(Port, 1)
        secrets.set_secret(session, node.secret_box(), port, "token", value=SECRET)
    node.close()
    result = harbor_cli("secrets", "rotate-key")
    assert result.exit_code == 0, result.stderr
    new_key = result.stdout.strip().splitlines()[-1]
    assert new_key != env_box.key_b64
    monkeypatch.setenv("HARBOR_SECRET_KEY", new_key)
    assert stored_secret(populated) == SECRET


def test_audit_verify_offline_reports_an_edited_event(harbor_cli, cli_home, populated):
    assert harbor_cli("audit", "verify", "--offline").exit_code == 0
    with sqlite3.connect(cli_home.data_dir / "harbor.db") as db:
        db.execute("UPDATE audit_event SET details = '{\"forged\": true}' WHERE seq = 2")
    result = harbor_cli("audit", "verify", "--offline", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["first_broken_seq"] == 2
