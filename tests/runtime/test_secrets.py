"""Secret custody: encrypted at rest, bound to their port, references, keys and rotation."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from sqlalchemy import text
from sqlmodel import col, select

from harbor.errors import ConfigError, InvalidRequest, NotFound, PortNotReady
from harbor.node import Node
from harbor.runtime.audit import Actor
from harbor.runtime.secrets import (
    SecretBox,
    SecretUnavailable,
    delete_secret,
    resolve_secrets,
    rotate_key,
    secret_statuses,
    set_secret,
    write_key_file,
)
from harbor.settings import Settings
from harbor.store.ports import AuditEvent, Port

PLANTED = "PLANTED-SECRET-7f3a"
OPERATOR = Actor(type="operator", name="owner")


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start without HARBOR_SECRET_KEY, whatever the outer environment holds."""
    monkeypatch.delenv("HARBOR_SECRET_KEY", raising=False)


@pytest.fixture
def port(harbor_node: Node) -> Port:
    """A saved port ``gh`` of connector ``github``."""
    return make_port(harbor_node, "gh")


@pytest.fixture
def box(harbor_node: Node) -> SecretBox:
    """The test node's key (its ``secret.key`` is created on first use)."""
    return harbor_node.secret_box()


@pytest.fixture
def key_settings(tmp_path: Path) -> Settings:
    """Settings whose data directory does not exist yet (no database needed)."""
    return Settings(data_dir=tmp_path / "keys" / "data", config_dir=tmp_path / "keys" / "config")


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps entries in a dict."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring installed for this test; the previous one is restored after."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """keyring's "no backend available" backend, as on a headless server."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def make_port(node: Node, name: str) -> Port:
    with node.store.session(OPERATOR) as session:
        row = Port(name=name, connector="github", config={})
        session.add(row)
        session.flush()
        return row


def set_value(node: Node, port: Port, name: str, value: str, box: SecretBox | None = None) -> None:
    with node.store.session(OPERATOR) as session:
        set_secret(session, box or node.secret_box(), port, name, value=value)


def set_reference(node: Node, port: Port, name: str, reference: str) -> None:
    with node.store.session(OPERATOR) as session:
        set_secret(session, node.secret_box(), port, name, reference=reference)


def resolve(node: Node, port: Port, box: SecretBox | None = None) -> dict[str, str]:
    with node.store.session() as session:
        return resolve_secrets(session, box or node.secret_box(), port)


def unavailable(node: Node, port: Port, box: SecretBox | None = None) -> str:
    """The message of the SecretUnavailable raised while resolving ``port``'s secrets."""
    with pytest.raises(SecretUnavailable) as caught:
        resolve(node, port, box)
    message = str(caught.value)
    assert PLANTED not in message
    return message


def audit_events(node: Node) -> list[AuditEvent]:
    with node.store.session() as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())


# --- Values at rest --------------------------------------------------------------------------


def test_value_round_trips_through_encryption(harbor_node, port):
    set_value(harbor_node, port, "token", PLANTED)
    assert resolve(harbor_node, port) == {"token": PLANTED}


def test_ciphertext_at_rest_does_not_contain_the_value(harbor_node, port):
    set_value(harbor_node, port, "token", PLANTED)
    with harbor_node.store.session() as session:
        stored = session.execute(text("SELECT ciphertext, reference FROM port_secret")).one()
    blob = bytes(stored[0])
    assert PLANTED.encode() not in blob
    assert stored[1] is None
    assert blob[0] == 1  # the format version comes first
    assert len(blob) == 1 + 12 + len(PLANTED) + 16


def test_same_value_encrypts_differently_each_time(box):
    assert box.encrypt(PLANTED, "gh/token") != box.encrypt(PLANTED, "gh/token")


@pytest.mark.parametrize(("port_name", "secret_name"), [("gh", "other"), ("gl", "token")])
def test_ciphertext_moved_to_another_secret_does_not_decrypt(
    harbor_node, port, port_name, secret_name
):
    target = port if port_name == "gh" else make_port(harbor_node, port_name)
    set_value(harbor_node, port, "token", PLANTED)
    set_value(harbor_node, target, secret_name, "placeholder")
    with harbor_node.store.session() as session:
        session.execute(
            text(
                "UPDATE port_secret SET ciphertext = "
                "(SELECT ciphertext FROM port_secret WHERE port_id = :src AND name = 'token') "
                "WHERE port_id = :dst AND name = :name"
            ),
            {"src": port.id, "dst": target.id, "name": secret_name},
        )
    message = unavailable(harbor_node, target)
    assert f"secret '{secret_name}' of port '{port_name}'" in message


def test_database_copied_without_its_key_cannot_decrypt(harbor_node, port, tmp_path):
    set_value(harbor_node, port, "token", PLANTED)
    elsewhere = Settings(
        data_dir=tmp_path / "elsewhere",
        config_dir=tmp_path / "elsewhere-config",
        database_url=harbor_node.settings.database_url,
    )
    other = Node(elsewhere, plugins=harbor_node.plugins)
    try:
        message = unavailable(other, port)
    finally:
        other.close()
    assert "secret 'token' of port 'gh'" in message
    assert "copied without its key" in message


def test_secret_unavailable_is_a_port_not_ready_error():
    assert issubclass(SecretUnavailable, PortNotReady)
    assert SecretUnavailable("x").code == "port_not_ready"


# --- The key ---------------------------------------------------------------------------------


def test_key_file_is_created_private_on_first_use(key_settings):
    box = SecretBox.load(key_settings)
    path = key_settings.data_dir / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert SecretBox.load(key_settings).key_b64 == box.key_b64
    assert box.key_b64 not in repr(box)


def test_key_file_is_created_where_hard_links_are_unsupported(key_settings, monkeypatch):
    def no_hard_links(*args: object) -> None:
        raise PermissionError("hard links are not supported here")

    monkeypatch.setattr(os, "link", no_hard_links)
    box = SecretBox.load(key_settings)
    assert [p.name for p in key_settings.data_dir.iterdir()] == ["secret.key"]
    assert stat.S_IMODE((key_settings.data_dir / "secret.key").stat().st_mode) == 0o600
    assert SecretBox.load(key_settings).key_b64 == box.key_b64


def test_over_permissive_key_file_is_refused(key_settings):
    SecretBox.load(key_settings)
    path = key_settings.data_dir / "secret.key"
    path.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        SecretBox.load(key_settings)
    assert str(path) in str(caught.value)
    assert "chmod 600" in str(caught.value)


def test_env_key_is_used_when_set(key_settings, monkeypatch):
    key = SecretBox.generate().key_b64
    monkeypatch.setenv("HARBOR_SECRET_KEY", key)
    assert SecretBox.load(key_settings).key_b64 == key
    assert not (key_settings.data_dir / "secret.key").exists()


@pytest.mark.parametrize("bad", ["not base64 at all!", "c2hvcnQ=", "A" * 60])
def test_malformed_env_key_is_a_config_error(key_settings, monkeypatch, bad):
    monkeypatch.setenv("HARBOR_SECRET_KEY", bad)
    with pytest.raises(ConfigError) as caught:
        SecretBox.load(key_settings)
    assert "HARBOR_SECRET_KEY" in str(caught.value)
    assert bad not in str(caught.value)


def test_malformed_key_file_is_a_config_error(key_settings):
    path = key_settings.data_dir / "secret.key"
    path.parent.mkdir(parents=True)
    path.write_text("garbage")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match=r"secret\.key"):
        SecretBox.load(key_settings)


# --- References ------------------------------------------------------------------------------


def test_env_reference_is_resolved_at_call_time(harbor_node, port, monkeypatch):
    set_reference(harbor_node, port, "token", "env:GH_TOKEN_FOR_TEST")
    monkeypatch.setenv("GH_TOKEN_FOR_TEST", PLANTED)
    assert resolve(harbor_node, port) == {"token": PLANTED}
    monkeypatch.delenv("GH_TOKEN_FOR_TEST")
    assert "GH_TOKEN_FOR_TEST" in unavailable(harbor_node, port)


def test_file_reference_strips_one_trailing_newline(harbor_node, port, tmp_path):
    secret_file = tmp_path / "gh-token"
    secret_file.write_text(PLANTED + "\n")
    set_reference(harbor_node, port, "token", f"file:{secret_file}")
    assert resolve(harbor_node, port) == {"token": PLANTED}
    secret_file.unlink()
    assert str(secret_file) in unavailable(harbor_node, port)


def test_keyring_reference_reads_the_keyring(harbor_node, port, memory_keyring):
    memory_keyring.set_password("harbor", "gh-token", PLANTED)
    set_reference(harbor_node, port, "token", "keyring:harbor/gh-token")
    assert resolve(harbor_node, port) == {"token": PLANTED}
    memory_keyring.delete_password("harbor", "gh-token")
    assert "not found" in unavailable(harbor_node, port)


def test_keyring_reference_without_a_backend_is_unavailable(harbor_node, port, no_keyring):
    set_reference(harbor_node, port, "token", "keyring:harbor/gh-token")
    assert "no keyring backend" in unavailable(harbor_node, port)


@pytest.mark.parametrize(
    "reference",
    [
        "file:relative/path",
        "file:",
        "env:",
        "env:NOT-A-NAME",
        "keyring:no-entry",
        "keyring:/name",
        "https://vault.example/token",
        PLANTED,
        "",
    ],
)
def test_bad_references_are_refused_without_echoing_them(harbor_node, port, reference):
    with pytest.raises(InvalidRequest) as caught:
        set_reference(harbor_node, port, "token", reference)
    assert PLANTED not in str(caught.value)
    assert secret_statuses_of(harbor_node, port) == {}


def secret_statuses_of(node: Node, port: Port) -> dict[str, object]:
    with node.store.session() as session:
        return dict(secret_statuses(session, port))


@pytest.mark.parametrize(("value", "reference"), [(None, None), ("v", "env:X")])
def test_exactly_one_of_value_or_reference(harbor_node, port, box, value, reference):
    with harbor_node.store.session(OPERATOR) as session, pytest.raises(InvalidRequest):
        set_secret(session, box, port, "token", value=value, reference=reference)


# --- Statuses, deletion, rotation ------------------------------------------------------------


def test_statuses_show_kind_and_scheme_never_values(harbor_node, port):
    set_value(harbor_node, port, "token", PLANTED)
    set_reference(harbor_node, port, "webhook", "env:HOOK_SECRET")
    statuses = secret_statuses_of(harbor_node, port)
    assert sorted(statuses) == ["token", "webhook"]
    assert statuses["token"].kind == "value"
    assert statuses["token"].reference_scheme is None
    assert statuses["webhook"].kind == "reference"
    assert statuses["webhook"].reference_scheme == "env"
    assert PLANTED not in repr(statuses)


def test_setting_again_replaces_value_with_reference(harbor_node, port, monkeypatch):
    set_value(harbor_node, port, "token", "first")
    monkeypatch.setenv("GH_TOKEN_FOR_TEST", PLANTED)
    set_reference(harbor_node, port, "token", "env:GH_TOKEN_FOR_TEST")
    assert resolve(harbor_node, port) == {"token": PLANTED}
    assert secret_statuses_of(harbor_node, port)["token"].kind == "reference"


def test_delete_secret_removes_it_and_unknown_is_not_found(harbor_node, port):
    set_value(harbor_node, port, "token", PLANTED)
    with harbor_node.store.session(OPERATOR) as session:
        delete_secret(session, port, "token")
    assert secret_statuses_of(harbor_node, port) == {}
    with harbor_node.store.session(OPERATOR) as session, pytest.raises(NotFound):
        delete_secret(session, port, "token")


def test_rotate_key_reencrypts_so_only_the_new_key_decrypts(harbor_node, port, box, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET_FOR_TEST", "hook")
    set_value(harbor_node, port, "token", PLANTED)
    set_reference(harbor_node, port, "webhook", "env:HOOK_SECRET_FOR_TEST")
    new = SecretBox.generate()
    with harbor_node.store.session(OPERATOR) as session:
        assert rotate_key(session, box, new) == 1  # references are not re-encrypted
    assert resolve(harbor_node, port, new) == {"token": PLANTED, "webhook": "hook"}
    assert "cannot be decrypted" in unavailable(harbor_node, port, box)


def test_rotate_key_with_the_wrong_old_key_changes_nothing(harbor_node, port, box):
    set_value(harbor_node, port, "token", PLANTED)
    with harbor_node.store.session(OPERATOR) as session, pytest.raises(SecretUnavailable):
        rotate_key(session, SecretBox.generate(), SecretBox.generate())
    assert resolve(harbor_node, port, box) == {"token": PLANTED}


def test_write_key_file_installs_the_new_key_and_keeps_the_old(harbor_node, box):
    new = SecretBox.generate()
    path = write_key_file(harbor_node.settings, new)
    assert path == harbor_node.settings.data_dir / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SecretBox.load(harbor_node.settings).key_b64 == new.key_b64
    old = path.with_name("secret.key.old")
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert old.read_text().strip() == box.key_b64


# --- Audit -----------------------------------------------------------------------------------


def test_changes_are_audited_without_any_secret_value(harbor_node, port, box, tmp_path):
    secret_file = tmp_path / "planted"
    secret_file.write_text(PLANTED)
    set_value(harbor_node, port, "token", PLANTED)
    set_reference(harbor_node, port, "webhook", f"file:{secret_file}")
    with harbor_node.store.session(OPERATOR) as session:
        delete_secret(session, port, "webhook")
        rotate_key(session, box, SecretBox.generate())
    recorded = [e for e in audit_events(harbor_node) if e.type.startswith("secret")]
    assert [(e.type, e.subject) for e in recorded] == [
        ("secret.set", "port:gh"),
        ("secret.set", "port:gh"),
        ("secret.deleted", "port:gh"),
        ("secrets.key_rotated", "node"),
    ]
    assert recorded[0].details == {"name": "token", "kind": "value"}
    assert recorded[1].details == {
        "name": "webhook",
        "kind": "reference",
        "reference_scheme": "file",
    }
    assert recorded[3].details == {"count": 1}
    assert {e.actor for e in recorded} == {"owner"}
    for event in audit_events(harbor_node):
        dumped = json.dumps([event.subject, event.details])
        assert PLANTED not in dumped
        assert str(secret_file) not in dumped
