"""``harbor ports connect|connection|disconnect``: a port's OAuth connection.

Attached to the ``harbor ports`` group by :func:`register`. Connecting prints the
authorization URL (and opens it with ``--open``), then polls the node until the browser
has come back to the node's ``/oauth/callback`` or the sign-in expired.
"""

from __future__ import annotations

import time
import webbrowser
from typing import Annotated

import typer

from harbor.cli.common import fail_message, operator_client, print_json, when
from harbor_client.oauth_api import OAuthStatus, disconnect, oauth_status, start_connect

PortArg = Annotated[str, typer.Argument(help="The port's name")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
POLL_SECONDS = 1.0


def connect_port(
    ctx: typer.Context,
    name: PortArg,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the URL in this machine's browser")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(help="Seconds to wait (default: until the sign-in link expires)"),
    ] = None,
) -> None:
    """Connect (or reconnect) an OAuth port: sign in with the provider in a browser."""
    with operator_client(ctx) as client:
        before = oauth_status(client, name).connected_at
        started = start_connect(client, name)
        typer.echo(f"Open this URL in a browser on this machine to connect {name}:\n")
        typer.echo(f"  {started.authorization_url}\n")
        typer.echo(f"scopes: {' '.join(started.scopes) or '-'}")
        if open_browser:
            webbrowser.open(started.authorization_url)
        typer.echo("waiting for the sign-in to finish (Ctrl-C to stop)…", err=True)
        limit = started.expires_at.timestamp() - time.time()
        deadline = time.monotonic() + (limit if timeout is None else min(timeout, limit))
        while time.monotonic() < deadline:
            status = oauth_status(client, name)
            if status.connected and status.connected_at != before:
                typer.echo(f"connected {name}; granted: {' '.join(status.scopes) or '-'}")
                return
            time.sleep(POLL_SECONDS)
    message = f"the sign-in for {name} did not finish in time; run `harbor ports connect {name}`"
    raise typer.Exit(fail_message(message + " again"))


def show_connection(ctx: typer.Context, name: PortArg, as_json: JsonOpt = False) -> None:
    """A port's OAuth connection: granted scopes, last refresh, expiry, warnings."""
    with operator_client(ctx) as client:
        status = oauth_status(client, name)
    if as_json:
        print_json(status.model_dump(mode="json"))
        return
    _print_status(status)


def _print_status(status: OAuthStatus) -> None:
    state = "needs reconnect" if status.needs_reconnect else (
        "connected" if status.connected else "not connected"
    )  # fmt: skip
    typer.echo(f"{status.port}: {state}")
    typer.echo(f"scopes granted:  {' '.join(status.scopes) or '-'}")
    typer.echo(f"scopes needed:   {' '.join(status.required_scopes) or '-'}")
    typer.echo(f"connected at:    {when(status.connected_at)}")
    typer.echo(f"last refresh:    {when(status.refreshed_at)}")
    typer.echo(f"token expires:   {when(status.expires_at)}")
    for warning in status.warnings:
        typer.echo(f"warning: {warning}")


def disconnect_port(
    ctx: typer.Context,
    name: PortArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm")] = False,
) -> None:
    """Revoke the port's token at the provider and delete it on the node."""
    if not yes:
        typer.confirm(f"disconnect {name}? its calls fail until it is connected again", abort=True)
    with operator_client(ctx) as client:
        done = disconnect(client, name)
    typer.echo(f"disconnected {name}: {done.message}")


def register(ports_app: typer.Typer) -> None:
    """Add the OAuth commands to ``harbor ports``."""
    ports_app.command("connect")(connect_port)
    ports_app.command("connection")(show_connection)
    ports_app.command("disconnect")(disconnect_port)
