"""Backup and restore: one verified archive, an empty target, nothing written outside it."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from harbor.errors import Conflict, InvalidRequest
from harbor.node import Node
from harbor.runtime.audit import Actor, verify_chain
from harbor.runtime.backup import KEY_WARNING, create_backup, restore_backup
from harbor.runtime.secrets import SecretBox, SecretUnavailable, resolve_secrets, set_secret
from harbor.settings import Settings
from harbor.store.ports import AuditEvent, Port

PLANTED = "PLANTED-SECRET-7f3a"
OPERATOR = Actor(type="operator", name="owner")
CONFIG_TEXT = 'log_level = "debug"\n'


@pytest.fixture
def harbor_database_url(tmp_path: Path) -> str:
    """Backups are of SQLite databases: this module's node always uses a SQLite file."""
    return f"sqlite:///{tmp_path / 'data' / 'harbor.db'}"


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start without HARBOR_SECRET_KEY, whatever the outer environment holds."""
    monkeypatch.delenv("HARBOR_SECRET_KEY", raising=False)


@pytest.fixture
def source(harbor_node: Node) -> Node:
    """A running node with port ``gh`` holding a secret value, and a harbor.toml."""
    with harbor_node.store.session(OPERATOR) as session:
        port = Port(name="gh", connector="github", config={})
        session.add(port)
        session.flush()
        set_secret(session, harbor_node.secret_box(), port, "token", value=PLANTED)
    harbor_node.settings.config_dir.mkdir(parents=True, exist_ok=True)
    (harbor_node.settings.config_dir / "harbor.toml").write_text(CONFIG_TEXT)
    return harbor_node


@pytest.fixture
def target_settings(tmp_path: Path) -> Settings:
    """Settings of a node that does not exist yet: empty data and config directories."""
    return Settings(
        data_dir=tmp_path / "restored" / "data", config_dir=tmp_path / "restored" / "cfg"
    )


@pytest.fixture
def archive(source: Node, tmp_path: Path) -> Path:
    """A backup of ``source`` including its key."""
    return create_backup(source, tmp_path / "backups" / "node.tar.gz", include_key=True).archive


@pytest.fixture
def restored_node(target_settings: Settings, harbor_plugins) -> Iterator[Callable[[], Node]]:
    """Starts a node on ``target_settings`` once the test has restored into it."""
    nodes: list[Node] = []

    def start() -> Node:
        nodes.append(Node(target_settings, plugins=harbor_plugins).start())
        return nodes[-1]

    yield start
    for node in nodes:
        node.close()


def resolve_gh(node: Node) -> dict[str, str]:
    with node.store.session() as session:
        port = session.exec(select(Port).where(Port.name == "gh")).one()
        return resolve_secrets(session, node.secret_box(), port)


def members_of(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def write_archive(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None):
    """An archive with exactly these members (and symlink members), and nothing checked."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return path


def files_under(path: Path) -> set[Path]:
    return {p for p in path.rglob("*") if p.is_file()} if path.exists() else set()


# --- Backup ----------------------------------------------------------------------------------


def test_backup_holds_every_member_with_its_sha256(source, tmp_path):
    report = create_backup(source, tmp_path / "out" / "node.tar.gz", include_key=True)
    assert report.key_included
    assert report.warning is None
    assert stat.S_IMODE(report.archive.stat().st_mode) == 0o600
    members = members_of(report.archive)
    assert set(members) == {"manifest.json", "harbor.db", "audit.head", "harbor.toml", "secret.key"}
    assert set(report.members) == set(members)
    manifest = json.loads(members.pop("manifest.json"))
    assert manifest["dialect"] == "sqlite"
    assert manifest["key_included"] is True
    assert manifest["harbor_version"] == source.version
    for name, data in members.items():
        assert manifest["members"][name]["sha256"] == hashlib.sha256(data).hexdigest()
    assert members["secret.key"].decode().strip() == source.secret_box().key_b64
    assert PLANTED.encode() not in members["harbor.db"]


def test_backup_without_key_leaves_it_out_and_warns(source, tmp_path):
    report = create_backup(source, tmp_path / "node.tar.gz", include_key=False)
    assert "secret.key" not in members_of(report.archive)
    assert report.warning == KEY_WARNING


def test_backup_is_audited(source, tmp_path):
    create_backup(source, tmp_path / "node.tar.gz", include_key=True)
    with source.store.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.type == "backup.created")).all()
    assert [e.details["key_included"] for e in events] == [True]


def test_backup_never_overwrites_an_existing_file(source, tmp_path):
    existing = tmp_path / "node.tar.gz"
    existing.write_text("keep me")
    with pytest.raises(Conflict):
        create_backup(source, existing, include_key=True)
    assert existing.read_text() == "keep me"


def test_backup_works_where_hard_links_are_unsupported(source, tmp_path, monkeypatch):
    def no_hard_links(*args: object) -> None:
        raise PermissionError("hard links are not supported here")

    monkeypatch.setattr(os, "link", no_hard_links)
    report = create_backup(source, tmp_path / "fat" / "node.tar.gz", include_key=True)
    assert [p.name for p in report.archive.parent.iterdir()] == ["node.tar.gz"]
    assert stat.S_IMODE(report.archive.stat().st_mode) == 0o600
    with pytest.raises(Conflict):
        create_backup(source, report.archive, include_key=True)


def test_postgresql_backup_and_restore_are_refused_with_guidance(tmp_path, harbor_plugins):
    settings = Settings(
        data_dir=tmp_path / "pg-data",
        config_dir=tmp_path / "pg-config",
        database_url="postgresql+psycopg://harbor:pw@127.0.0.1:5432/harbor",
    )
    node = Node(settings, plugins=harbor_plugins)  # never connects
    try:
        with pytest.raises(InvalidRequest) as caught:
            create_backup(node, tmp_path / "pg.tar.gz", include_key=True)
    finally:
        node.close()
    assert "pg_dump" in str(caught.value)
    assert ":pw@" not in str(caught.value)
    assert not (tmp_path / "pg.tar.gz").exists()
    with pytest.raises(InvalidRequest, match="pg_restore"):
        restore_backup(tmp_path / "pg.tar.gz", settings)


# --- Restore ---------------------------------------------------------------------------------


def test_restored_node_decrypts_secrets_and_verifies_its_chain(
    archive, target_settings, restored_node
):
    report = restore_backup(archive, target_settings)
    assert report.key_restored
    assert report.warning is None
    data, cfg = target_settings.data_dir, target_settings.config_dir
    assert set(report.written) == {
        data / "harbor.db",
        data / "audit.head",
        data / "secret.key",
        cfg / "harbor.toml",
    }
    assert stat.S_IMODE((data / "secret.key").stat().st_mode) == 0o600
    assert (cfg / "harbor.toml").read_text() == CONFIG_TEXT
    assert sorted(p.name for p in data.iterdir()) == ["audit.head", "harbor.db", "secret.key"]
    node = restored_node()
    assert resolve_gh(node) == {"token": PLANTED}
    with node.store.session() as session:
        result = verify_chain(session, node.audit)
    assert result.ok, result.message
    assert result.checked > 0


def test_restore_without_key_warns_and_secrets_do_not_decrypt(
    source, tmp_path, target_settings, restored_node
):
    backup = create_backup(source, tmp_path / "nokey.tar.gz", include_key=False)
    report = restore_backup(backup.archive, target_settings)
    assert not report.key_restored
    assert report.warning == KEY_WARNING
    with pytest.raises(SecretUnavailable) as caught:
        resolve_gh(restored_node())
    assert PLANTED not in str(caught.value)


def test_restore_keeps_an_existing_config_file(archive, target_settings):
    target_settings.config_dir.mkdir(parents=True)
    (target_settings.config_dir / "harbor.toml").write_text("# mine\n")
    report = restore_backup(archive, target_settings)
    assert (target_settings.config_dir / "harbor.toml").read_text() == "# mine\n"
    assert any("harbor.toml" in note for note in report.skipped)


@pytest.mark.parametrize("occupant", ["harbor.db", "secret.key"])
def test_restore_into_a_non_empty_data_dir_is_refused(archive, target_settings, occupant):
    target_settings.data_dir.mkdir(parents=True)
    (target_settings.data_dir / occupant).write_text("already here")
    with pytest.raises(Conflict, match="not empty"):
        restore_backup(archive, target_settings)
    assert [p.name for p in target_settings.data_dir.iterdir()] == [occupant]
    assert (target_settings.data_dir / occupant).read_text() == "already here"


def test_tampered_member_is_refused_and_nothing_restored(archive, target_settings, tmp_path):
    members = members_of(archive)
    members["audit.head"] = json.dumps({"seq": 1, "hash": "0" * 64}).encode()
    tampered = write_archive(tmp_path / "tampered.tar.gz", members)
    with pytest.raises(InvalidRequest, match="sha256"):
        restore_backup(tampered, target_settings)
    assert files_under(target_settings.data_dir) == set()
    assert files_under(target_settings.config_dir) == set()


def test_member_missing_from_manifest_is_refused(archive, target_settings, tmp_path):
    members = members_of(archive)
    manifest = json.loads(members["manifest.json"])
    del manifest["members"]["audit.head"]
    members["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(InvalidRequest, match="manifest"):
        restore_backup(write_archive(tmp_path / "odd.tar.gz", members), target_settings)
    assert files_under(target_settings.data_dir) == set()


@pytest.mark.parametrize("evil", ["../evil", "../../evil", "/tmp/harbor-evil-test", "data/x"])
def test_unsafe_member_names_are_refused_and_nothing_written(
    archive, target_settings, tmp_path, evil
):
    members = members_of(archive)
    members[evil] = b"pwned"
    manifest = json.loads(members["manifest.json"])
    manifest["members"][evil] = {"sha256": hashlib.sha256(b"pwned").hexdigest(), "size": 5}
    members["manifest.json"] = json.dumps(manifest).encode()
    before = files_under(tmp_path)
    with pytest.raises(InvalidRequest, match="refused"):
        restore_backup(write_archive(tmp_path / "evil.tar.gz", members), target_settings)
    assert files_under(tmp_path) == {*before, tmp_path / "evil.tar.gz"}
    assert not (target_settings.data_dir.parent / "evil").exists()
    assert not (tmp_path / "evil").exists()
    assert not Path("/tmp/harbor-evil-test").exists()
    assert files_under(target_settings.data_dir) == set()


def test_link_members_are_refused(archive, target_settings, tmp_path):
    members = members_of(archive)
    del members["audit.head"]
    bad = write_archive(tmp_path / "link.tar.gz", members, links={"audit.head": "/etc/passwd"})
    with pytest.raises(InvalidRequest, match="not a regular file"):
        restore_backup(bad, target_settings)
    assert files_under(target_settings.data_dir) == set()


def test_a_file_that_is_not_a_backup_is_refused(target_settings, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(InvalidRequest, match="not a readable Harbor backup"):
        restore_backup(junk, target_settings)


def test_included_key_is_the_env_key_when_harbor_secret_key_is_set(
    harbor_node, tmp_path, monkeypatch
):
    key = SecretBox.generate().key_b64
    monkeypatch.setenv("HARBOR_SECRET_KEY", key)
    report = create_backup(harbor_node, tmp_path / "env.tar.gz", include_key=True)
    assert members_of(report.archive)["secret.key"].decode().strip() == key
    assert not (harbor_node.settings.data_dir / "secret.key").exists()
