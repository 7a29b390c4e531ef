"""``harbor operators``: the team of operators, their roles and invitations (Harbor Pro)."""

from __future__ import annotations

from typing import Annotated

import typer

from harbor.cli.common import err_console, operator_client, print_json, print_table
from harbor_client import operator_api
from harbor_client.operator_models import OperatorPublic, OperatorRole, OperatorUpdate

app = typer.Typer(
    help="Team operators: list, invite, change roles, disable, enable, remove.",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command("list")
def list_operators(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every operator with role and status (needs_licence: waits for a team licence)."""
    with operator_client(ctx) as client:
        team = operator_api.list_operators(client)
    if as_json:
        print_json([o.model_dump(mode="json") for o in team])
        return
    print_table(
        ("operator", "role", "status", "since"),
        ((o.name, o.role, o.status, o.created_at.isoformat(timespec="seconds")) for o in team),
    )


@app.command("invite")
def invite(
    ctx: typer.Context,
    role: Annotated[
        OperatorRole, typer.Option("--role", help="owner, approver or viewer")
    ] = "approver",
    expires_in_hours: Annotated[
        int, typer.Option(help="The link stops working after this many hours")
    ] = 72,
    as_json: JsonOpt = False,
) -> None:
    """Create a one-time invitation and print its link (or token), shown this once only."""
    with operator_client(ctx) as client:
        created = operator_api.invite_operator(client, role, expires_in_hours)
    if as_json:
        print_json(created.model_dump(mode="json"))
        return
    typer.echo(created.url or created.token)
    where = "link" if created.url else "token (open /join?token=... on this node)"
    err_console.print(
        f"invitation for a new {created.role}: send the {where} above; it works once, until "
        f"{created.expires_at.isoformat(timespec='minutes')}"
    )


@app.command("set-role")
def set_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The operator")],
    role: Annotated[OperatorRole, typer.Argument(help="owner, approver or viewer")],
) -> None:
    """Change an operator's role (not your own)."""
    _update(ctx, name, OperatorUpdate(role=role))


@app.command("disable")
def disable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The operator")]) -> None:
    """Stop an operator from signing in; their tokens stop working until enabled again."""
    _update(ctx, name, OperatorUpdate(disabled=True))


@app.command("enable")
def enable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The operator")]) -> None:
    """Let a disabled operator sign in again."""
    _update(ctx, name, OperatorUpdate(disabled=False))


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The operator")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm")] = False,
) -> None:
    """Remove an operator and their tokens (the audit log keeps what they did)."""
    if not yes:
        typer.confirm(f"remove operator {name}?", abort=True)
    with operator_client(ctx) as client:
        operator_api.remove_operator(client, name)
    typer.echo(f"removed {name}")


@app.command("invitations")
def invitations(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Invitations, newest first, and whether each was used."""
    with operator_client(ctx) as client:
        rows = operator_api.list_invitations(client)
    if as_json:
        print_json([i.model_dump(mode="json") for i in rows])
        return
    print_table(
        ("id", "role", "by", "expires", "used by"),
        (
            (str(i.id), i.role, i.created_by, i.expires_at.isoformat(timespec="minutes"),
             i.used_by or "-")
            for i in rows
        ),
    )  # fmt: skip


@app.command("withdraw")
def withdraw(
    ctx: typer.Context, invitation_id: Annotated[int, typer.Argument(help="The invitation id")]
) -> None:
    """Withdraw an unused invitation."""
    with operator_client(ctx) as client:
        operator_api.revoke_invitation(client, invitation_id)
    typer.echo(f"invitation {invitation_id} withdrawn")


def _update(ctx: typer.Context, name: str, update: OperatorUpdate) -> None:
    with operator_client(ctx) as client:
        changed: OperatorPublic = operator_api.update_operator(client, name, update)
    typer.echo(f"{changed.name}: {changed.role}, {changed.status.replace('_', ' ')}")
