"""What one running cloud holds: its settings, database, signing key and CSRF secret."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from harbor_cloud.licenses import LicenseSigner
from harbor_cloud.settings import CloudSettings
from harbor_cloud.store.engine import Store
from harbor_cloud.store.migrate import upgrade_database

SECRET_FILE = "cloud-secret.key"


def load_or_create_secret(data_dir: Path) -> bytes:
    """The cloud's CSRF secret from the data dir, created (0600) on first start."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()


@dataclass
class Cloud:
    """The cloud's parts, built once per app."""

    settings: CloudSettings
    store: Store
    signer: LicenseSigner
    secret: bytes

    @classmethod
    def open(cls, settings: CloudSettings) -> Cloud:
        """Migrate the database and load (or create) the keys in the data dir."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(settings.effective_database_url)
        upgrade_database(store.engine)
        return cls(
            settings=settings,
            store=store,
            signer=LicenseSigner.load_or_create(settings.data_dir),
            secret=load_or_create_secret(settings.data_dir),
        )
