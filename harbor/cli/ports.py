"""``harbor ports`` and ``harbor connectors``: configured services and what can be installed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from harbor.cli.common import (
    err_console,
    operator_client,
    parse_assignments,
    parse_json_object,
    print_json,
    print_table,
    when,
)
from harbor.errors import InvalidRequest

app = typer.Typer(
    help="Create, configure, check, enable, disable and delete ports.", no_args_is_help=True
)
connectors_app = typer.Typer(help="The installed connector types.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
PortArg = Annotated[str, typer.Argument(help="The port's name")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Config KEY=VALUE (VALUE read as JSON when it is); repeat"),
]
ConfigJsonOpt = Annotated[
    str | None, typer.Option("--config-json", help="The config as one JSON object")
]
ConfigFileOpt = Annotated[
    Path | None, typer.Option("--config-file", help="A JSON file with the config object")
]


def _show(port: Any, as_json: bool) -> None:
    """One port: its status, config and which secrets are set (never their values)."""
    if as_json:
        print_json(port.model_dump(mode="json"))
        return
    typer.echo(f"{port.name}  ({port.connector})  {port.status}")
    if port.description:
        typer.echo(port.description)
    print_table(("config", "value"), sorted(port.config.items()))
    print_table(
        ("secret", "set", "required", "kind", "set at"),
        (
            (s.name, "yes" if s.set else "no", "yes" if s.required else "no", s.kind or "-",
             when(s.set_at))
            for s in port.secrets
        ),
    )  # fmt: skip
    if port.last_check:
        verdict = "ok" if port.last_check.ok else "FAILED"
        typer.echo(f"last check: {verdict} at {when(port.last_check.checked_at)}: "
                   f"{port.last_check.message}")  # fmt: skip


def _config(
    base: dict[str, Any], pairs: list[str] | None, raw: str | None, file: Path | None
) -> dict[str, Any]:
    """The config from a file or ``--config-json``, then each ``--set`` on top."""
    config = dict(base)
    if file is not None:
        try:
            text = file.read_text()
        except OSError as err:
            raise InvalidRequest(f"cannot read {file}: {err.strerror}") from err
        config.update(parse_json_object(text, str(file)) or {})
    config.update(parse_json_object(raw, "--config-json") or {})
    config.update(parse_assignments(pairs or [], "--set"))
    return config


@app.command("list")
def list_ports(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every port with its connector and status."""
    with operator_client(ctx) as client:
        found = client.list_ports()
    if as_json:
        print_json([p.model_dump(mode="json") for p in found])
        return
    if not found:
        typer.echo("no ports yet: `harbor connectors list`, then `harbor ports create`")
        return
    print_table(
        ("port", "connector", "status", "secrets", "last check"),
        (
            (
                p.name,
                p.connector,
                p.status,
                ", ".join(f"{s.name}{'' if s.set else ' (not set)'}" for s in p.secrets) or "-",
                when(p.last_check.checked_at if p.last_check else None),
            )
            for p in found
        ),
    )


@app.command("show")
def show_port(ctx: typer.Context, name: PortArg, as_json: JsonOpt = False) -> None:
    """One port: config, status and which secrets are set."""
    with operator_client(ctx) as client:
        _show(client.get_port(name), as_json)


@app.command("create")
def create_port(
    ctx: typer.Context,
    name: PortArg,
    connector: Annotated[str, typer.Option(help="The connector type (`harbor connectors list`)")],
    set_: SetOpt = None,
    config_json: ConfigJsonOpt = None,
    config_file: ConfigFileOpt = None,
    description: Annotated[str, typer.Option(help="What this port is for")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Create a port with its non-secret config; then set its secrets with `set-secret`."""
    config = _config({}, set_, config_json, config_file)
    with operator_client(ctx) as client:
        port = client.create_port(name, connector, config, description)
    if as_json:
        print_json(port.model_dump(mode="json"))
        return
    typer.echo(f"port {port.name} created ({port.status})")
    for secret in port.secrets:
        if secret.required and not secret.set:
            typer.echo(f"  set its secret: harbor ports set-secret {port.name} {secret.name}")


@app.command("configure")
def configure_port(
    ctx: typer.Context,
    name: PortArg,
    set_: SetOpt = None,
    unset: Annotated[list[str] | None, typer.Option(help="Remove this config key; repeat")] = None,
    config_json: ConfigJsonOpt = None,
    config_file: ConfigFileOpt = None,
    description: Annotated[str | None, typer.Option(help="A new description")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a port's config (merged into the current one) or description."""
    from harbor_client.models import PortUpdate

    with operator_client(ctx) as client:
        current = client.get_port(name)
        config = _config(current.config, set_, config_json, config_file)
        for key in unset or []:
            config.pop(key, None)
        fields: dict[str, Any] = {}
        if config != current.config:
            fields["config"] = config
        if description is not None:
            fields["description"] = description
        if not fields:
            raise InvalidRequest("nothing to change: give --set, --unset, --config-json, ...")
        port = client.update_port(name, PortUpdate(**fields))
    if as_json:
        print_json(port.model_dump(mode="json"))
    else:
        typer.echo(f"port {port.name} updated ({port.status})")


def _read_secret(name: str, from_stdin: bool) -> str:
    """The secret's value from standard input or a hidden prompt: never from argv."""
    if from_stdin or not sys.stdin.isatty():
        value = sys.stdin.read().rstrip("\r\n")
    else:
        value = typer.prompt(f"value of {name}", hide_input=True, confirmation_prompt=True)
    if not value:
        raise InvalidRequest("the secret is empty; nothing was changed")
    return value


@app.command("set-secret")
def set_secret(
    ctx: typer.Context,
    port: PortArg,
    name: Annotated[str, typer.Argument(help="The secret's name (see `harbor ports show`)")],
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the value from standard input")
    ] = False,
    reference: Annotated[
        str | None,
        typer.Option(help="Resolve at call time instead: env:NAME, file:/path, keyring:svc/name"),
    ] = None,
) -> None:
    """Set a secret from a hidden prompt or standard input (never from the command line)."""
    with operator_client(ctx) as client:
        if reference is not None:
            updated = client.set_port_secret(port, name, reference=reference)
        else:
            updated = client.set_port_secret(port, name, value=_read_secret(name, stdin))
    typer.echo(f"secret {name} of {port} set; the port is {updated.status}")


@app.command("delete-secret")
def delete_secret(
    ctx: typer.Context,
    port: PortArg,
    name: Annotated[str, typer.Argument(help="The secret's name")],
) -> None:
    """Remove a secret from a port."""
    with operator_client(ctx) as client:
        updated = client.delete_port_secret(port, name)
    typer.echo(f"secret {name} of {port} removed; the port is {updated.status}")


@app.command("check")
def check_port(ctx: typer.Context, name: PortArg, as_json: JsonOpt = False) -> None:
    """Run the connector's connection test; exit 1 when it fails."""
    with operator_client(ctx) as client, err_console.status(f"checking {name}…"):
        port = client.check_port(name)
    if as_json:
        print_json(port.model_dump(mode="json"))
    check = port.last_check
    if check is None or not check.ok:
        message = check.message if check else "no result"
        if not as_json:
            typer.echo(f"check failed: {message}", err=True)
        raise typer.Exit(1)
    if not as_json:
        typer.echo(f"ok: {check.message} ({port.status})")


@app.command("enable")
def enable_port(ctx: typer.Context, name: PortArg) -> None:
    """Let a disabled port take calls again."""
    with operator_client(ctx) as client:
        port = client.enable_port(name)
    typer.echo(f"port {name} enabled ({port.status})")


@app.command("disable")
def disable_port(ctx: typer.Context, name: PortArg) -> None:
    """Refuse every call on the port until it is enabled."""
    with operator_client(ctx) as client:
        client.disable_port(name)
    typer.echo(f"port {name} disabled: its calls fail with port_not_ready")


@app.command("delete")
def delete_port(
    ctx: typer.Context,
    name: PortArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm")] = False,
) -> None:
    """Delete a port with its secrets, actions and drafts."""
    if not yes:
        typer.confirm(f"delete port {name} with its secrets, actions and drafts?", abort=True)
    with operator_client(ctx) as client:
        client.delete_port(name)
    typer.echo(f"port {name} deleted")


@connectors_app.command("list")
def list_connectors(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The connector types this node has installed."""
    with operator_client(ctx) as client:
        found = client.list_connectors()
    if as_json:
        print_json([c.model_dump(mode="json") for c in found])
        return
    print_table(
        ("type", "title", "action kinds", "secrets", "distribution"),
        (
            (c.type, c.title, ", ".join(k.name for k in c.action_kinds) or "-",
             ", ".join(c.secret_fields) or "-", f"{c.distribution or '-'} {c.version or ''}")
            for c in found
        ),
    )  # fmt: skip


@connectors_app.command("show")
def show_connector(
    ctx: typer.Context,
    type: Annotated[str, typer.Argument(help="The connector type")],
) -> None:
    """A connector's config schema, action kinds and starter templates, as JSON."""
    with operator_client(ctx) as client:
        info = client.get_connector(type).model_dump(mode="json")
        info["templates"] = [t.model_dump(mode="json") for t in client.list_templates(type)]
    print_json(info)
