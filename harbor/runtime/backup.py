"""Backup and restore of a SQLite node: one tar.gz holding the database, the audit head,
``harbor.toml``, a manifest of SHA-256 sums and, only when asked for, the secret key.

The database is copied with SQLite's online backup API, so a running node may be backed up.
Restore goes into an empty data directory only, reads members by their expected names
(never extracting paths from the archive) and checks every sum before anything is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from harbor import __version__
from harbor.errors import Conflict, InvalidRequest, NotFound
from harbor.runtime.audit import HEAD_FILE_NAME, record_change
from harbor.runtime.secrets import KEY_FILE_NAME, SecretBox, key_file
from harbor.settings import Settings
from harbor.store.engine import redacted_url
from harbor.store.types import utcnow

if TYPE_CHECKING:
    from harbor.node import Node

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "harbor.db"
CONFIG = "harbor.toml"
MEMBERS = (DATABASE, HEAD_FILE_NAME, CONFIG, KEY_FILE_NAME)
SMALL_MEMBER_BYTES = 1_048_576
CHUNK = 1 << 20
KEY_WARNING = (
    "secrets will not decrypt without the key: keep secret.key safe "
    "or restore with HARBOR_SECRET_KEY"
)


@dataclass(frozen=True)
class BackupReport:
    """What a backup archive holds."""

    archive: Path
    members: tuple[str, ...]
    key_included: bool
    size_bytes: int
    warning: str | None = None


@dataclass(frozen=True)
class RestoreReport:
    """What a restore wrote, what it left alone, and what the operator must know."""

    database: Path
    written: tuple[Path, ...]
    skipped: tuple[str, ...] = ()
    key_restored: bool = False
    harbor_version: str = ""
    created_at: str = ""
    warning: str | None = None


def sqlite_path(url: str, doing: str) -> Path:
    """The file of a SQLite URL; InvalidRequest with guidance for any other database."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise InvalidRequest(f"database URL {redacted_url(url)} is not valid") from err
    if parsed.get_backend_name() != "sqlite":
        raise InvalidRequest(
            f"harbor can only {doing} a SQLite database; {redacted_url(url)} is "
            f"{parsed.get_backend_name()}: back it up with pg_dump (restore with pg_restore) "
            "and keep the secret key (secret.key in the data directory, or HARBOR_SECRET_KEY) "
            "safe beside the dump, since stored secrets cannot be decrypted without it"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise InvalidRequest(f"harbor cannot {doing} an in-memory SQLite database")
    return Path(parsed.database)


# --- Backup ----------------------------------------------------------------------------------


def create_backup(node: Node, destination: Path, include_key: bool) -> BackupReport:
    """Write one archive of the node's state to ``destination`` (0600, never overwritten)."""
    settings = node.settings
    db_path = sqlite_path(settings.effective_database_url, "back up")
    if not db_path.is_file():
        raise NotFound(f"there is no database at {db_path} to back up")
    if destination.exists():
        raise Conflict(f"{destination} already exists; choose another name for the backup")
    with tempfile.TemporaryDirectory(prefix="harbor-backup-") as tmp:
        staged = _stage_backup(node, db_path, Path(tmp), include_key)
        manifest = _manifest(staged, include_key)
        _write_archive(destination, manifest, staged)
    with node.store.session() as session:
        record_change(
            session,
            "backup.created",
            "node",
            details={"archive": str(destination), "key_included": include_key},
        )
    return BackupReport(
        archive=destination,
        members=(MANIFEST, *staged),
        key_included=include_key,
        size_bytes=destination.stat().st_size,
        warning=None if include_key else KEY_WARNING,
    )


def _stage_backup(node: Node, db_path: Path, tmp: Path, include_key: bool) -> dict[str, Path]:
    """Copy each member into ``tmp``; the head file is read before the database is copied,
    so the copy is never behind its head (which would look like deleted events)."""
    settings = node.settings
    staged: dict[str, Path] = {}
    if node.audit.head_file.is_file():
        staged[HEAD_FILE_NAME] = _copy(node.audit.head_file, tmp / HEAD_FILE_NAME)
    staged[DATABASE] = _copy_sqlite(db_path, tmp / DATABASE)
    config = settings.config_dir / CONFIG
    if config.is_file():
        staged[CONFIG] = _copy(config, tmp / CONFIG)
    if include_key:
        path = tmp / KEY_FILE_NAME
        path.write_text(node.secret_box().key_b64 + "\n", encoding="ascii")
        staged[KEY_FILE_NAME] = path
    return staged


def _copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


def _copy_sqlite(source: Path, target: Path) -> Path:
    """A consistent, self-contained copy made with SQLite's online backup API."""
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True, timeout=10)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        (verdict,) = dst.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as err:
        raise InvalidRequest(f"cannot copy the database {source}: {err}") from err
    finally:
        dst.close()
        src.close()
    if verdict != "ok":
        raise InvalidRequest(f"the database {source} failed SQLite's check: {verdict}")
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest(staged: dict[str, Path], include_key: bool) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "harbor_version": __version__,
        "created_at": utcnow().isoformat(),
        "dialect": "sqlite",
        "key_included": include_key,
        "members": {
            name: {"sha256": _sha256(path), "size": path.stat().st_size}
            for name, path in staged.items()
        },
    }


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info


def _write_archive(destination: Path, manifest: dict[str, Any], staged: dict[str, Path]) -> None:
    """Write the archive beside ``destination`` and move it into place when complete."""
    destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=".harbor-backup-")
    try:
        os.fchmod(fd, 0o600)  # the archive may hold the key, and always the audit log
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            tar.addfile(_tar_info(MANIFEST, len(body)), _BytesReader(body))
            for name, path in staged.items():
                with path.open("rb") as handle:
                    tar.addfile(_tar_info(name, path.stat().st_size), handle)
        _publish(Path(tmp), destination)
    except FileExistsError as err:
        raise Conflict(f"{destination} already exists; choose another name") from err
    finally:
        Path(tmp).unlink(missing_ok=True)


def _publish(tmp: Path, destination: Path) -> None:
    """Give the finished archive its name without replacing a file created meanwhile."""
    try:
        os.link(tmp, destination)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT drives, some network shares)
        if destination.exists():
            raise FileExistsError(destination) from None
        os.replace(tmp, destination)


class _BytesReader:
    """The smallest file object ``tarfile.addfile`` needs."""

    def __init__(self, data: bytes) -> None:
        self._data, self._pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk, self._pos = self._data[self._pos : end], min(end, len(self._data))
        return chunk


# --- Restore ---------------------------------------------------------------------------------


def restore_backup(archive: Path, settings: Settings) -> RestoreReport:
    """Restore ``archive`` into the empty data directory of ``settings``, checking every sum."""
    db_path = sqlite_path(settings.effective_database_url, "restore")
    _require_empty(settings, db_path)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _open_archive(archive) as tar, _staging(settings.data_dir) as staging:
        manifest, staged = _extract_verified(tar, staging)
        return _install(settings, db_path, manifest, staged)


def _require_empty(settings: Settings, db_path: Path) -> None:
    occupied = [
        path
        for path in (
            db_path,
            Path(f"{db_path}-wal"),
            key_file(settings),
            settings.data_dir / HEAD_FILE_NAME,
        )
        if path.exists() or path.is_symlink()
    ]
    if occupied:
        names = ", ".join(str(path) for path in occupied)
        raise Conflict(
            f"the data directory {settings.data_dir} is not empty ({names} exists); "
            "restore into a new, empty data directory (set HARBOR_DATA_DIR)"
        )


@contextmanager
def _open_archive(archive: Path) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            yield tar
    except FileNotFoundError as err:
        raise NotFound(f"there is no backup archive at {archive}") from err
    except (tarfile.TarError, EOFError, OSError) as err:
        raise InvalidRequest(f"{archive} is not a readable Harbor backup: {err}") from err


@contextmanager
def _staging(data_dir: Path) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(dir=data_dir, prefix=".restore-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _checked_members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """The archive's members by name, refusing anything that is not one plain, known file."""
    members: dict[str, tarfile.TarInfo] = {}
    for info in tar.getmembers():
        name = info.name
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
            raise InvalidRequest(f"the archive holds an unsafe member name {name!r}; refused")
        if not info.isfile():
            raise InvalidRequest(f"the archive member {name!r} is not a regular file; refused")
        if name not in (MANIFEST, *MEMBERS):
            raise InvalidRequest(f"the archive holds an unexpected member {name!r}; refused")
        if name in members:
            raise InvalidRequest(f"the archive holds {name!r} twice; refused")
        members[name] = info
    if MANIFEST not in members:
        raise InvalidRequest(f"the archive has no {MANIFEST}: it is not a Harbor backup")
    return members


def _read_manifest(
    tar: tarfile.TarFile, info: tarfile.TarInfo
) -> tuple[dict[str, Any], dict[str, str]]:
    """The manifest and its member -> sha256 table, or InvalidRequest."""
    if info.size > SMALL_MEMBER_BYTES:
        raise InvalidRequest(f"the archive's {MANIFEST} is too large")
    handle = tar.extractfile(info)
    try:
        manifest: Any = json.loads(handle.read() if handle else b"")
        sums = {str(name): str(entry["sha256"]) for name, entry in manifest["members"].items()}
        version = manifest.get("format")
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise InvalidRequest(f"the archive's {MANIFEST} is malformed") from err
    if version != FORMAT:
        raise InvalidRequest(f"backup format {version!r} is not supported by this Harbor")
    if DATABASE not in sums:
        raise InvalidRequest(f"the backup's manifest lists no {DATABASE}")
    return dict(manifest), sums


def _extract_verified(
    tar: tarfile.TarFile, staging: Path
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Copy each listed member into ``staging`` under its own fixed name, checking its sum."""
    members = _checked_members(tar)
    manifest, sums = _read_manifest(tar, members.pop(MANIFEST))
    if set(members) != set(sums):
        extra = sorted(set(members) ^ set(sums))
        raise InvalidRequest(f"the archive does not match its manifest ({', '.join(extra)})")
    staged: dict[str, Path] = {}
    for name, info in members.items():
        if name != DATABASE and info.size > SMALL_MEMBER_BYTES:
            raise InvalidRequest(f"the archive member {name!r} is too large")
        source = tar.extractfile(info)
        if source is None:
            raise InvalidRequest(f"the archive member {name!r} cannot be read")
        target = staging / name
        if _copy_hashing(source, target) != sums[name]:
            raise InvalidRequest(
                f"the archive member {name!r} does not match the sha256 in its manifest: "
                "the backup is damaged or was altered; nothing was restored"
            )
        staged[name] = target
    if KEY_FILE_NAME in staged:
        SecretBox.from_b64(staged[KEY_FILE_NAME].read_text(encoding="ascii"), "the backup's key")
    return manifest, staged


def _copy_hashing(source: IO[bytes], target: Path) -> str:
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _install(
    settings: Settings, db_path: Path, manifest: dict[str, Any], staged: dict[str, Path]
) -> RestoreReport:
    """Move the verified members into place; the database last, so it marks a full restore."""
    written: list[Path] = []
    skipped: list[str] = []
    targets = {HEAD_FILE_NAME: settings.data_dir / HEAD_FILE_NAME}
    if KEY_FILE_NAME in staged:
        targets[KEY_FILE_NAME] = key_file(settings)
    if CONFIG in staged:
        config = settings.config_dir / CONFIG
        if config.exists():
            skipped.append(f"{CONFIG}: {config} already exists and was kept")
        else:
            settings.config_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            targets[CONFIG] = config
    targets[DATABASE] = db_path
    for name, target in targets.items():
        if name in staged:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.move(staged[name], target)
            written.append(target)
    key_restored = KEY_FILE_NAME in staged
    return RestoreReport(
        database=db_path,
        written=tuple(written),
        skipped=tuple(skipped),
        key_restored=key_restored,
        harbor_version=str(manifest.get("harbor_version", "")),
        created_at=str(manifest.get("created_at", "")),
        warning=None if key_restored else KEY_WARNING,
    )
