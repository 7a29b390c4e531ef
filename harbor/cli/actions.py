"""``harbor actions``: published actions, their versions, state and roll back."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from harbor.cli.common import operator_client, print_json, print_table, when
from harbor.errors import InvalidRequest

app = typer.Typer(
    help="List, show, enable, disable, archive and roll back published actions.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
QualifiedArg = Annotated[str, typer.Argument(help="The action: port.action")]


def split_qualified(name: str) -> tuple[str, str]:
    """``port.action`` as its two parts."""
    port, sep, action = name.partition(".")
    if not sep or not port or not action:
        raise InvalidRequest(f"{name!r} is not port.action")
    return port, action


def _row(a: Any) -> tuple[Any, ...]:
    return (a.qualified_name, a.state, f"v{a.current_version}", a.current.risk,
            a.current.kind, a.current.description[:60], when(a.updated_at))  # fmt: skip


@app.command("list")
def list_actions(
    ctx: typer.Context,
    port: Annotated[str | None, typer.Argument(help="Only this port's actions")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Published actions with their current version and state (every port by default)."""
    with operator_client(ctx) as client:
        ports = [port] if port else [p.name for p in client.list_ports()]
        found = [action for name in ports for action in client.list_port_actions(name)]
    if as_json:
        print_json([a.model_dump(mode="json") for a in found])
        return
    if not found:
        typer.echo("no published actions: `harbor drafts create` starts one")
        return
    print_table(
        ("action", "state", "version", "risk", "kind", "description", "updated"),
        (_row(a) for a in found),
    )


@app.command("show")
def show_action(ctx: typer.Context, name: QualifiedArg) -> None:
    """One action with its current version and every earlier one, as JSON."""
    port, action = split_qualified(name)
    with operator_client(ctx) as client:
        shown = client.get_action(port, action).model_dump(mode="json")
        versions = client.list_action_versions(port, action)
    shown["versions"] = [v.model_dump(mode="json") for v in versions]
    print_json(shown)


def _set_state(ctx: typer.Context, name: str, state: str) -> None:
    port, action = split_qualified(name)
    with operator_client(ctx) as client:
        updated = client.set_action_state(port, action, state)
    typer.echo(f"{updated.qualified_name} is {updated.state}")


@app.command("enable")
def enable_action(ctx: typer.Context, name: QualifiedArg) -> None:
    """Let agents call the action again."""
    _set_state(ctx, name, "enabled")


@app.command("disable")
def disable_action(ctx: typer.Context, name: QualifiedArg) -> None:
    """Stop agents from seeing or calling the action (reversible)."""
    _set_state(ctx, name, "disabled")


@app.command("archive")
def archive_action(ctx: typer.Context, name: QualifiedArg) -> None:
    """Retire the action; its versions stay in the history."""
    _set_state(ctx, name, "archived")


@app.command("rollback")
def rollback_action(
    ctx: typer.Context,
    name: QualifiedArg,
    version: Annotated[int, typer.Argument(help="The earlier version to publish again")],
) -> None:
    """Publish an earlier version's definition as a new version."""
    port, action = split_qualified(name)
    with operator_client(ctx) as client:
        updated = client.rollback_action(port, action, version)
    typer.echo(f"{updated.qualified_name} is now v{updated.current_version} (from v{version})")


@app.command("diff")
def diff_action(
    ctx: typer.Context,
    name: QualifiedArg,
    from_version: Annotated[int, typer.Argument(help="The older version")],
    to_version: Annotated[int, typer.Argument(help="The newer version")],
    as_json: JsonOpt = False,
) -> None:
    """What changed between two versions."""
    port, action = split_qualified(name)
    with operator_client(ctx) as client:
        diff = client.diff_action(port, action, from_version, to_version)
    if as_json:
        print_json(diff.model_dump(mode="json"))
        return
    if not diff.changes:
        typer.echo("no changes")
        return
    print_table(
        ("where", "change", "before", "after"),
        ((c.pointer, c.change, c.before, c.after) for c in diff.changes),
    )
