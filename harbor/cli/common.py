"""What every command group shares: settings, the local node, the operator client, output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from harbor.errors import InvalidRequest, Unauthorized
from harbor.settings import Settings, load_settings

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

TOKEN_ENV = "HARBOR_TOKEN"
URL_ENV = "HARBOR_URL"
KEY_ENV = "HARBOR_KEY"


@dataclass
class CliState:
    """Global options of one ``harbor`` invocation."""

    config_file: Path | None = None

    def settings(self, **overrides: Any) -> Settings:
        """The effective settings: defaults < harbor.toml < HARBOR_* < flags."""
        return load_settings(self.config_file, overrides=overrides or None)


def state(ctx: typer.Context) -> CliState:
    """The global options, also when a command is invoked without the root callback."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def fail_message(message: str) -> int:
    """Print ``error: message`` as one line on stderr; return the exit code to use."""
    text = " ".join(message.split())
    print(f"error: {text}", file=sys.stderr)
    return 1


def print_json(value: Any) -> None:
    """Machine-readable output for ``--json``."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain table on stdout (no colours when piped)."""
    table = Table(*columns, box=None, pad_edge=False, header_style="bold")
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


def node_url(settings: Settings) -> str:
    """The URL of the node these settings describe (``HARBOR_URL`` wins)."""
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV].rstrip("/")
    host = settings.host
    if host in ("0.0.0.0", "", "::"):  # noqa: S104 (reaching a node that listens everywhere)
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if settings.tls_certfile else "http"
    return f"{scheme}://{host}:{settings.port}"


def read_operator_token(settings: Settings) -> str:
    """``HARBOR_TOKEN``, else the token ``harbor init`` saved in the config directory."""
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV].strip()
    path = settings.operator_token_file
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = ""
    except OSError as err:
        raise Unauthorized(f"cannot read the operator token {path}: {err.strerror}") from err
    if not token:
        raise Unauthorized(
            f"no operator token: run `harbor init` on the node's machine or set {TOKEN_ENV}"
        )
    return token


def operator_client(ctx: typer.Context) -> Any:
    """A ``HarborClient`` for the running node, authenticated as the operator."""
    from harbor_client import HarborClient

    settings = state(ctx).settings()
    return HarborClient(node_url(settings), read_operator_token(settings))


def agent_client(ctx: typer.Context) -> Any:
    """A ``HarborClient`` for the running node with the agent key in ``HARBOR_KEY``."""
    from harbor_client import HarborClient

    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise Unauthorized(f"set {KEY_ENV} to an agent key (hba_...) to call as that agent")
    return HarborClient(node_url(state(ctx).settings()), key)


def parse_json_object(raw: str | None, option: str) -> dict[str, Any] | None:
    """A JSON object given on the command line; None when the option was not given."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InvalidRequest(f"{option} is not valid JSON: {err.msg}") from err
    if not isinstance(value, dict):
        raise InvalidRequest(f"{option} must be a JSON object")
    return value


def parse_assignments(
    pairs: Sequence[str], option: str, keep_text: Callable[[str], bool] = lambda _: False
) -> dict[str, Any]:
    """``key=value`` pairs; a value is read as JSON (``5``, ``true``, ``[1]``) unless
    ``keep_text(key)`` says the field takes text, and kept as text when it is not JSON."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InvalidRequest(f"{option} takes KEY=VALUE, got {pair!r}")
        values[key] = raw if keep_text(key) else _json_or_text(raw)
    return values


def _json_or_text(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def when(moment: datetime | None) -> str:
    """A timestamp for tables: seconds precision, ``-`` when there is none."""
    return moment.isoformat(timespec="seconds") if moment else "-"
