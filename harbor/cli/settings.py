"""``harbor settings``: the operator state of the running node (and its process config)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from harbor.cli.common import operator_client, parse_assignments, print_json, print_table

app = typer.Typer(
    help="Show and change the node's operator settings (approval TTL, default effects, ...).",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command("show")
def show_settings(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The operator settings stored on the node."""
    with operator_client(ctx) as client:
        current = client.get_settings().model_dump(mode="json")
    if as_json:
        print_json(current)
        return
    print_table(("setting", "value"), ((k, json.dumps(v)) for k, v in current.items()))


@app.command("set")
def set_settings(
    ctx: typer.Context,
    assignments: Annotated[
        list[str],
        typer.Argument(
            help="NAME=VALUE, VALUE as JSON: approval_ttl_seconds=600 "
            '\'default_effects={"write": "deny"}\''
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Change some operator settings; the others keep their value."""
    from harbor_client.models import OperatorSettingsUpdate

    update = OperatorSettingsUpdate.model_validate(parse_assignments(assignments, "NAME=VALUE"))
    with operator_client(ctx) as client:
        changed = client.update_settings(update).model_dump(mode="json")
    if as_json:
        print_json(changed)
    else:
        for name in update.model_fields_set:
            typer.echo(f"{name} = {json.dumps(changed[name])}")


@app.command("process")
def process_config(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The running node's process configuration and where each value came from (read-only)."""
    with operator_client(ctx) as client:
        config = client.get_process_config()
    if as_json:
        print_json(config.model_dump(mode="json"))
        return
    print_table(
        ("setting", "value", "source"),
        ((s.name, json.dumps(s.value), s.source) for s in config.settings),
    )
    if config.exposure_warning:
        typer.echo(f"warning: {config.exposure_warning}", err=True)
