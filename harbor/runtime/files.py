"""Files only this user may read: the local operator token, keys, a pending secret key."""

from __future__ import annotations

import os
from pathlib import Path


def write_private_file(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` with mode 0600, atomically (never world-readable).

    The parent directory is created 0700 if needed; a crash leaves the old file or the new
    one, never a partial one.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = content.encode() if isinstance(content, str) else content
    staged = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, path)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
