"""Commands that need no running node: ``version``, ``config show``, ``plugins``, ``init``."""

from __future__ import annotations

import platform
import re
import socket
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from harbor import __version__
from harbor.cli.common import print_json, print_table, state
from harbor.errors import ConfigError, PluginConflict, Unauthorized
from harbor.runtime.files import write_private_file
from harbor.settings import describe_settings

if TYPE_CHECKING:
    from harbor.node import Node

config_app = typer.Typer(help="Show the node's process configuration.", no_args_is_help=True)
PASSWORD_MIN = 12


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("version")(version)
    app.command("plugins")(plugins)
    app.command("init")(init)
    app.add_typer(config_app, name="config")


def version(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Print the versions of Harbor, harbor-client and Python."""
    from harbor_client import __version__ as client_version

    info = {
        "harbor": __version__,
        "harbor-client": client_version,
        "python": platform.python_version(),
    }
    if as_json:
        print_json(info)
    else:
        typer.echo(
            f"harbor {__version__} (harbor-client {client_version}, Python {info['python']})"
        )


@config_app.command("show")
def config_show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Print every effective setting and where its value came from."""
    rows = describe_settings(state(ctx).settings())
    if as_json:
        print_json([{"name": n, "value": v, "source": s} for n, v, s in rows])
        return
    print_table(("setting", "value", "source"), rows)


def plugins(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List the plugins Harbor found, with versions, connectors and load errors."""
    from harbor.plugin_manager import PluginManager

    manager = PluginManager().load_all()
    conflict: str | None = None
    try:
        manager.collect_connectors()
    except PluginConflict as err:
        conflict = str(err)
    records = manager.public_records(with_errors=True)
    if as_json:
        print_json({"plugins": [r.model_dump() for r in records], "conflict": conflict})
    else:
        print_table(
            ("plugin", "distribution", "version", "status", "connectors", "error"),
            (
                (r.name, r.distribution, r.version, r.status, ", ".join(r.connectors), r.error)
                for r in records
            ),
        )
    if conflict:
        raise PluginConflict(conflict)


def init(
    ctx: typer.Context,
    setup_token: Annotated[
        str | None,
        typer.Option(
            "--setup-token",
            envvar="HARBOR_SETUP_TOKEN",
            help="The one-time token the node printed at its first start",
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the operator password from standard input"),
    ] = False,
) -> None:
    """Set the operator password on first run and save a local operator token for the CLI.

    Works on the data directory directly. On a node without an operator it asks for the
    setup token the node printed (when one is waiting) and a new password; afterwards it
    asks for the operator password. The token is written to the config directory (0600).
    """
    from harbor.node import Node

    settings = state(ctx).settings()
    node = Node(settings)
    try:
        node.prepare()
        token = _operator_token(node, setup_token, password_stdin)
    finally:
        node.close()
    write_private_file(settings.operator_token_file, token + "\n")
    typer.echo(f"operator token saved to {settings.operator_token_file} (mode 0600)")


def _operator_token(node: Node, setup_token: str | None, password_stdin: bool) -> str:
    """Set up the operator if needed, then mint a token for this machine's CLI."""
    from harbor.runtime import identity, setup

    with node.store.session() as session:
        first_run = setup.needs_setup(session)
        waiting = setup.has_setup_token(session)
    token_name = f"cli {_host()}"[:64]
    if not first_run:
        password = _read_line(password_stdin) or typer.prompt("Operator password", hide_input=True)
        with node.store.session() as session:
            identity.check_operator_password(session, password)
            return identity.create_operator_token(session, token_name).token
    if waiting and not setup_token:
        if password_stdin or not sys.stdin.isatty():
            raise Unauthorized(
                "the node is waiting for its setup token: pass --setup-token "
                "(or HARBOR_SETUP_TOKEN) with the token it printed at start"
            )
        setup_token = typer.prompt("Setup token (printed by the node)", hide_input=True)
    password = node.admin_password() or _new_password(password_stdin)
    with node.store.session() as session:
        if waiting:
            assert setup_token is not None
            return setup.complete_setup(session, setup_token, password).token
        # No node has started yet: whoever can write the data directory owns the node.
        identity.create_operator(session, password)
        return identity.create_operator_token(session, token_name).token


def _read_line(from_stdin: bool) -> str:
    return sys.stdin.readline().rstrip("\r\n") if from_stdin else ""


def _new_password(from_stdin: bool) -> str:
    password = _read_line(from_stdin) or typer.prompt(
        "New operator password", hide_input=True, confirmation_prompt=True
    )
    if len(password) < PASSWORD_MIN:
        raise ConfigError(f"the operator password must be at least {PASSWORD_MIN} characters")
    return password


def _host() -> str:
    name = socket.gethostname() or "localhost"
    return re.sub(r"[^A-Za-z0-9._-]", "-", name)
