"""``harbor dock serve``: serve a built Dock site on this machine, for trying it out."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from harbor.errors import ConfigError


class DockRequestHandler(SimpleHTTPRequestHandler):
    """Static files of one site; JSON and signatures with their media types, quiet logs."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".json": "application/json",
        ".sig": "application/json",
        ".pub": "text/plain; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:
        """Nothing: the terminal shows the address once, not every request."""


def make_server(site: Path, host: str = "127.0.0.1", port: int = 8600) -> ThreadingHTTPServer:
    """An HTTP server for the built site in ``site`` (not started)."""
    if not (site / "index.json").is_file():
        raise ConfigError(
            f"{site} is not a built Dock site (no index.json): run `harbor dock build`"
        )
    handler = functools.partial(DockRequestHandler, directory=str(site))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as err:
        raise ConfigError(f"cannot listen on {host}:{port}: {err.strerror}") from err
