"""The ``harbor`` command, split by command group (one module each).

Local commands (``version``, ``config show``, ``plugins``, ``init``, ``serve``, ``backup``,
``restore``, ``secrets rotate-key``, ``audit verify --offline``) work on the settings and the
data directory; the others talk to the running node through ``harbor_client``.
"""

from __future__ import annotations

from harbor.cli.app import app, main

__all__ = ["app", "main"]
