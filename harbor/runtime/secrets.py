"""Secret custody for ports: encrypted values at rest, references resolved at call time.

A secret is stored either as a value, encrypted with the node's key (AES-256-GCM, bound to
``port/secret`` so a ciphertext cannot be moved to another port or secret), or as a
reference the node resolves when a call needs it: ``env:NAME``, ``file:/absolute/path``
(Docker and Kubernetes secrets) or ``keyring:service/name``.

The key comes from ``HARBOR_SECRET_KEY`` or from ``secret.key`` in the data directory,
created on first use. Values never appear in audit events, logs or error messages: every
message names the port and the secret, never what it holds.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlmodel import Session, col, select

from harbor.errors import ConfigError, InvalidRequest, NotFound, PortNotReady
from harbor.runtime.audit import record_change
from harbor.settings import Settings
from harbor.store.ports import Port, PortSecret
from harbor.store.types import utcnow

KEY_ENV = "HARBOR_SECRET_KEY"
KEY_FILE_NAME = "secret.key"
KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_V1 = 1
MAX_VALUE_CHARS = 65_536
MAX_REFERENCE_CHARS = 1024
MAX_NAME_CHARS = 64
REFERENCE_FORMS = "env:NAME, file:/absolute/path or keyring:service/name"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

SecretKind = Literal["value", "reference"]


class SecretUnavailable(PortNotReady):
    """A secret of a port cannot be produced right now; the message never holds its value."""

    code = "port_not_ready"


@dataclass(frozen=True)
class SecretStatus:
    """What may be shown about a secret: never its value, nor a reference's target."""

    name: str
    kind: SecretKind
    set_at: datetime
    reference_scheme: str | None = None


# --- The key ---------------------------------------------------------------------------------


class SecretBox:
    """AES-256-GCM with the node's 32-byte key; each blob is version, nonce, ciphertext."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ConfigError(f"a secret key must be {KEY_BYTES} bytes, not {len(key)}")
        self._key = key
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    @classmethod
    def generate(cls) -> SecretBox:
        """A box with a fresh random key."""
        return cls(AESGCM.generate_key(bit_length=KEY_BYTES * 8))

    @classmethod
    def from_b64(cls, text: str, origin: str) -> SecretBox:
        """A box from urlsafe base64 text; ``origin`` names where it came from in errors."""
        raw = text.strip()
        try:
            key = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError) as err:
            raise ConfigError(
                f"{origin} is not a valid secret key: expected urlsafe base64 of "
                f"{KEY_BYTES} bytes (generate one with `harbor secrets rotate-key`)"
            ) from err
        if len(key) != KEY_BYTES:
            raise ConfigError(
                f"{origin} is not a valid secret key: it decodes to {len(key)} bytes, "
                f"expected {KEY_BYTES}"
            )
        return cls(key)

    @classmethod
    def load(cls, settings: Settings) -> SecretBox:
        """The node's key: ``HARBOR_SECRET_KEY``, else ``secret.key`` (created on first use)."""
        from_env = os.environ.get(KEY_ENV)
        if from_env:
            return cls.from_b64(from_env, KEY_ENV)
        path = key_file(settings)
        if not path.exists():
            _create_key_file(path, cls.generate())
        return cls.from_b64(_read_private_file(path), f"key file {path}")

    @property
    def key_b64(self) -> str:
        """The key as urlsafe base64, the form of ``HARBOR_SECRET_KEY`` and ``secret.key``."""
        return base64.urlsafe_b64encode(self._key).decode("ascii")

    def encrypt(self, plaintext: str, aad: str) -> bytes:
        """Encrypt ``plaintext`` bound to ``aad``: version byte, 12-byte nonce, ciphertext."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
        return bytes([FORMAT_V1]) + nonce + sealed

    def decrypt(self, blob: bytes, aad: str) -> str:
        """The plaintext of ``blob``, or SecretUnavailable (wrong key, wrong aad, damage)."""
        blob = bytes(blob)
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != FORMAT_V1:
            version = blob[0] if blob else "none"
            raise SecretUnavailable(
                f"{_describe(aad)} is stored in a format this node cannot read "
                f"(version {version}); set it again"
            )
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            plain = self._aead.decrypt(nonce, sealed, aad.encode("utf-8"))
        except InvalidTag as err:
            raise SecretUnavailable(
                f"{_describe(aad)} cannot be decrypted with this node's key "
                "(was the database copied without its key?)"
            ) from err
        return plain.decode("utf-8")


def key_file(settings: Settings) -> Path:
    """Where the node keeps its key when ``HARBOR_SECRET_KEY`` is not set."""
    return settings.data_dir / KEY_FILE_NAME


def secret_aad(port_name: str, secret_name: str) -> str:
    """The associated data that binds a ciphertext to one port and one secret name."""
    return f"{port_name}/{secret_name}"


def _describe(aad: str) -> str:
    port, sep, name = aad.partition("/")
    return f"secret '{name}' of port '{port}'" if sep else f"secret '{aad}'"


def _read_private_file(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"key file {path} is readable by other users (mode {stat.S_IMODE(mode):o}); "
                f"run `chmod 600 {path}` and start again"
            )
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read key file {path}: {err}") from err


def _write_private_temp(directory: Path, content: str) -> Path:
    """A fully written, fsynced 0600 temporary file in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".secret-key-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(content + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _create_key_file(path: Path, box: SecretBox) -> None:
    """Create ``path`` with ``box``'s key unless another process won the race to create it."""
    try:
        tmp = _write_private_temp(path.parent, box.key_b64)
    except OSError as err:
        raise ConfigError(f"cannot create key file {path}: {err.strerror or err}") from err
    try:
        os.link(tmp, path)  # fails if it exists: two workers never install two keys
    except FileExistsError:
        pass
    except OSError:  # no hard links here: create it exclusively instead
        _create_exclusive(path, box)
    finally:
        tmp.unlink(missing_ok=True)


def _create_exclusive(path: Path, box: SecretBox) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as err:
        raise ConfigError(f"cannot create key file {path}: {err.strerror or err}") from err
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(box.key_b64 + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def write_key_file(settings: Settings, box: SecretBox) -> Path:
    """Install ``box``'s key as ``secret.key`` (0600, atomically); the old key stays as
    ``secret.key.old``.

    Used by key rotation. The caller first commits :func:`rotate_key`'s transaction and only
    then calls this, so a failed re-encryption never leaves a key that decrypts nothing;
    until this returns the new key exists only in the caller's memory, so a CLI should show
    or save it first (e.g. print ``key_b64``) to survive a crash in between. The
    previous key is kept in ``secret.key.old`` because backups taken before the rotation
    still need it; delete that file once they are no longer needed. When ``HARBOR_SECRET_KEY``
    is set it wins over the file, so the operator must update it to the new key as well.
    """
    path = key_file(settings)
    old = path.with_name(KEY_FILE_NAME + ".old")
    try:
        if path.exists():
            previous = _write_private_temp(path.parent, _read_private_file(path).strip())
            os.replace(previous, old)
        staged = _write_private_temp(path.parent, box.key_b64)
        os.replace(staged, path)
        _fsync_dir(path.parent)
    except OSError as err:
        raise ConfigError(f"cannot write key file {path}: {err.strerror or err}") from err
    return path


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- References ------------------------------------------------------------------------------


def parse_reference(ref: str) -> tuple[str, str]:
    """``(scheme, target)`` of a reference, or InvalidRequest (never echoing the text)."""
    scheme, sep, target = ref.partition(":")
    problem = None
    if not sep or scheme not in ("env", "file", "keyring"):
        problem = f"a secret reference must be {REFERENCE_FORMS}"
    elif len(ref) > MAX_REFERENCE_CHARS:
        problem = f"a secret reference is at most {MAX_REFERENCE_CHARS} characters"
    elif scheme == "env" and not _ENV_NAME.match(target):
        problem = "an env: reference names an environment variable: env:NAME"
    elif scheme == "file" and ("\x00" in target or not Path(target).is_absolute()):
        problem = "a file: reference needs an absolute path: file:/run/secrets/name"
    elif scheme == "keyring" and not all(target.partition("/")[::2]):
        problem = "a keyring: reference names a service and an entry: keyring:service/name"
    if problem:
        raise InvalidRequest(problem)
    return scheme, target


def resolve_reference(ref: str, what: str = "a secret") -> str:
    """The current value a reference points to, or SecretUnavailable naming ``what``."""
    scheme, target = parse_reference(ref)
    if scheme == "env":
        value = os.environ.get(target)
        if not value:
            raise SecretUnavailable(f"{what} refers to environment variable {target}, not set")
        return value
    if scheme == "file":
        return _read_reference_file(Path(target), what)
    return _read_keyring(*target.split("/", 1), what=what)


def _read_reference_file(path: Path, what: str) -> str:
    try:
        value = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "it is not UTF-8 text"
        raise SecretUnavailable(f"{what} refers to file {path}, unreadable: {reason}") from err
    value = value.removesuffix("\n").removesuffix("\r")
    if not value:
        raise SecretUnavailable(f"{what} refers to file {path}, which is empty")
    return value


def _read_keyring(service: str, name: str, *, what: str) -> str:
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    try:
        value = keyring.get_password(service, name)
    except NoKeyringError as err:
        raise SecretUnavailable(
            f"{what} refers to the system keyring, but no keyring backend is available on "
            "this node; use an env: or file: reference instead"
        ) from err
    except KeyringError as err:
        raise SecretUnavailable(
            f"{what} refers to keyring entry {service}/{name}, which cannot be read: "
            f"{err.__class__.__name__}"
        ) from err
    if not value:
        raise SecretUnavailable(f"{what} refers to keyring entry {service}/{name}, not found")
    return value


# --- Secrets of ports ------------------------------------------------------------------------


def _port_id(port: Port) -> int:
    if port.id is None:
        raise ValueError("the port must be saved before its secrets are")
    return port.id


def _row(session: Session, port: Port, name: str) -> PortSecret | None:
    query = select(PortSecret).where(PortSecret.port_id == _port_id(port), PortSecret.name == name)
    return session.exec(query).first()


def _status(row: PortSecret) -> SecretStatus:
    if row.ciphertext is not None:
        return SecretStatus(row.name, "value", row.set_at)
    scheme = (row.reference or "").partition(":")[0] or None
    return SecretStatus(row.name, "reference", row.set_at, scheme)


def set_secret(
    session: Session,
    box: SecretBox,
    port: Port,
    name: str,
    *,
    value: str | None = None,
    reference: str | None = None,
) -> SecretStatus:
    """Set one secret of ``port`` as an encrypted value or as a reference (replacing any)."""
    if (value is None) == (reference is None):
        raise InvalidRequest("send exactly one of 'value' or 'reference'")
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidRequest(f"a secret name has 1 to {MAX_NAME_CHARS} characters")
    details: dict[str, str] = {"name": name}
    row = _row(session, port, name) or PortSecret(port_id=_port_id(port), name=name)
    if value is not None:
        if not value or len(value) > MAX_VALUE_CHARS:
            raise InvalidRequest(f"a secret value has 1 to {MAX_VALUE_CHARS} characters")
        row.ciphertext, row.reference = box.encrypt(value, secret_aad(port.name, name)), None
        details["kind"] = "value"
    else:
        assert reference is not None
        scheme, _target = parse_reference(reference)
        row.ciphertext, row.reference = None, reference
        details.update(kind="reference", reference_scheme=scheme)
    row.set_at = utcnow()
    session.add(row)
    session.flush()
    record_change(session, "secret.set", f"port:{port.name}", details=details)
    return _status(row)


def delete_secret(session: Session, port: Port, name: str) -> None:
    """Remove one secret of ``port``; NotFound if it is not set."""
    row = _row(session, port, name)
    if row is None:
        raise NotFound(f"port '{port.name}' has no secret named '{name}' set")
    session.delete(row)
    session.flush()
    record_change(session, "secret.deleted", f"port:{port.name}", details={"name": name})


def secret_statuses(session: Session, port: Port) -> dict[str, SecretStatus]:
    """Which secrets of ``port`` are set, how and when; never their values."""
    query = (
        select(PortSecret)
        .where(PortSecret.port_id == _port_id(port))
        .order_by(col(PortSecret.name))
    )
    return {row.name: _status(row) for row in session.exec(query).all()}


def resolve_secrets(session: Session, box: SecretBox, port: Port) -> dict[str, str]:
    """Every secret of ``port`` in clear, for one call; SecretUnavailable names what failed."""
    query = select(PortSecret).where(PortSecret.port_id == _port_id(port))
    resolved: dict[str, str] = {}
    for row in session.exec(query).all():
        what = f"secret '{row.name}' of port '{port.name}'"
        if row.ciphertext is not None:
            resolved[row.name] = box.decrypt(row.ciphertext, secret_aad(port.name, row.name))
        elif row.reference:
            resolved[row.name] = resolve_reference(row.reference, what)
        else:
            raise SecretUnavailable(f"{what} has neither a value nor a reference; set it again")
    return resolved


def rotate_key(session: Session, old: SecretBox, new: SecretBox) -> int:
    """Re-encrypt every stored value from ``old`` to ``new`` in the caller's transaction.

    Returns how many values were re-encrypted; references are untouched. Any value that
    ``old`` cannot decrypt aborts the whole rotation (SecretUnavailable). Run it while no
    node serves this database, commit, and only then install the key with
    :func:`write_key_file`.
    """
    query = (
        select(PortSecret, Port)
        .join(Port, col(Port.id) == col(PortSecret.port_id))
        .where(col(PortSecret.ciphertext).is_not(None))
        .order_by(col(PortSecret.id))
        .with_for_update()
    )
    count = 0
    for row, port in session.exec(query).all():
        assert row.ciphertext is not None
        aad = secret_aad(port.name, row.name)
        row.ciphertext = new.encrypt(old.decrypt(row.ciphertext, aad), aad)
        session.add(row)
        count += 1
    session.flush()
    record_change(session, "secrets.key_rotated", "node", details={"count": count})
    return count
