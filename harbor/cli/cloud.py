"""``harbor cloud``: enroll the node with Harbor Cloud, show and refresh its license, unenroll.

Every command talks to the running node (``/api/v1/license``); the node itself calls the
cloud and keeps its key, so these work from any machine with an operator token.
"""

from __future__ import annotations

from typing import Annotated

import typer

from harbor.cli.common import operator_client, print_json, when
from harbor.dock.trust import source_matches
from harbor_client import HarborClient
from harbor_client.license_api import LicenseStatus, enroll, license_status, refresh, unenroll
from harbor_client.models import OperatorSettingsUpdate

app = typer.Typer(
    help="Harbor Cloud: enroll this node, show or refresh its license, unenroll.",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command("enroll")
def enroll_node(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Option("--url", help="The Harbor Cloud, e.g. https://cloud.example.org")
    ],
    code: Annotated[str, typer.Option("--code", help="The enrollment code from the member area")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Trust the cloud's address without asking")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Enroll the node with a one-time code; it then holds a signed license.

    The node only contacts trusted sources: if the address is not one yet, this adds it to
    ``trusted_sources`` (after asking, unless ``--yes``).
    """
    with operator_client(ctx) as client:
        _trust(client, url.strip().rstrip("/"), yes)
        status = enroll(client, url, code)
    _show(status, as_json, headline=f"enrolled with {status.cloud_url} as {status.node_id}")


@app.command("status")
def show_status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The license: plan, features, expiry, last contact with the cloud, warnings."""
    with operator_client(ctx) as client:
        status = license_status(client)
    _show(status, as_json)


@app.command("refresh")
def refresh_license(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Fetch a fresh license now (the node also refreshes daily on its own)."""
    with operator_client(ctx) as client:
        status = refresh(client)
    _show(status, as_json, headline="license refreshed")


@app.command("unenroll")
def unenroll_node(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Tell the cloud and forget the license and node key (forgotten even if the cloud is down)."""
    if not yes:
        typer.confirm("unenroll this node? it runs as Community afterwards", abort=True)
    with operator_client(ctx) as client:
        done = unenroll(client)
    if as_json:
        print_json(done.model_dump(mode="json"))
        return
    typer.echo(done.message)


def _trust(client: HarborClient, url: str, yes: bool) -> None:
    """Add ``url`` to the node's trusted sources unless it is covered already."""
    sources = client.get_settings().trusted_sources
    if source_matches(url, sources):
        return
    if not yes:
        typer.confirm(f"trust {url} (add it to the trusted sources) to enroll with it?", abort=True)
    client.update_settings(OperatorSettingsUpdate(trusted_sources=[*sources, url]))
    typer.echo(f"added {url} to the trusted sources", err=True)


def _show(status: LicenseStatus, as_json: bool, headline: str | None = None) -> None:
    if as_json:
        print_json(status.model_dump(mode="json"))
        return
    if headline:
        typer.echo(headline)
    typer.echo(f"status:        {status.status}")
    typer.echo(f"plan:          {status.plan}")
    typer.echo(f"features:      {' '.join(status.features) or '-'}")
    if status.node_id:
        typer.echo(f"node id:       {status.node_id}")
        typer.echo(f"cloud:         {status.cloud_url}")
        typer.echo(f"account:       {status.account_email or '-'}")
        typer.echo(f"expires:       {when(status.expires_at)}")
        typer.echo(f"grace until:   {when(status.grace_until)}")
        typer.echo(f"last contact:  {when(status.last_contact_at)}")
    else:
        typer.echo("not enrolled: `harbor cloud enroll --url URL --code CODE` (see docs/cloud.md)")
    for warning in status.warnings:
        typer.echo(f"warning: {warning}", err=True)
