"""``harbor approvals``: decide the calls waiting for the operator."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from harbor.cli import watch as watching
from harbor.cli.common import console, operator_client, parse_json_object, print_json, print_table

app = typer.Typer(help="List, approve and deny calls waiting for you.", no_args_is_help=True)


@app.command("list")
def list_approvals(
    ctx: typer.Context,
    status: Annotated[
        str, typer.Option(help="pending, approved, denied, expired, cancelled or all")
    ] = "pending",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List approvals (pending ones by default)."""
    with operator_client(ctx) as client:
        found = client.list_approvals(None if status == "all" else status)
    if as_json:
        print_json([a.model_dump(mode="json") for a in found])
        return
    if not found:
        typer.echo("no approvals" if status == "all" else f"no {status} approvals")
        return
    print_table(
        ("id", "status", "action", "risk", "agent", "arguments", "expires"),
        (
            (
                a.id,
                a.status,
                f"{a.action} v{a.version}",
                a.risk,
                a.agent,
                json.dumps(a.arguments, sort_keys=True)[:60],
                a.expires_at.isoformat(timespec="seconds"),
            )
            for a in found
        ),
    )


@app.command("approve")
def approve(
    ctx: typer.Context,
    approval_id: Annotated[str, typer.Argument(help="The approval (apr_...)")],
    note: Annotated[str, typer.Option(help="A note kept with the decision")] = "",
    arguments: Annotated[
        str | None, typer.Option(help="Replacement arguments as a JSON object (approve edited)")
    ] = None,
    remember: Annotated[
        bool, typer.Option(help="Allow this action for this agent from now on (adds a rule)")
    ] = False,
    remember_arguments: Annotated[
        bool, typer.Option(help="With --remember: only for these exact arguments")
    ] = False,
) -> None:
    """Approve one call; it then runs once."""
    with operator_client(ctx) as client:
        decided = client.approve(
            approval_id,
            note=note,
            arguments=parse_json_object(arguments, "--arguments"),
            remember=remember,
            remember_arguments=remember_arguments,
        )
    typer.echo(f"approved {decided.id}: call {decided.call_id} ({decided.action}) will run once")


@app.command("deny")
def deny(
    ctx: typer.Context,
    approval_id: Annotated[str, typer.Argument(help="The approval (apr_...)")],
    reason: Annotated[str, typer.Option(help="Why; the agent is told")] = "",
) -> None:
    """Deny one call; the reason goes back to the agent."""
    with operator_client(ctx) as client:
        decided = client.deny(approval_id, reason=reason)
    typer.echo(f"denied {decided.id}: call {decided.call_id} ({decided.action})")


@app.command("show")
def show_approval(
    ctx: typer.Context,
    approval_id: Annotated[str, typer.Argument(help="The approval (apr_...)")],
) -> None:
    """One approval with the exact arguments it is about, as JSON."""
    with operator_client(ctx) as client:
        print_json(client.get_approval(approval_id).model_dump(mode="json"))


@app.command("watch")
def watch(
    ctx: typer.Context,
    reason: Annotated[
        str, typer.Option(help="The reason sent with a denial made here")
    ] = "denied from the terminal",
    interval: Annotated[float, typer.Option(help="Seconds between refreshes", min=0.2)] = 2.0,
) -> None:
    """Show pending approvals live; approve (a) or deny (d) the selected one with a key."""
    with operator_client(ctx) as client, watching.key_source() as read_key:
        session = watching.ApprovalWatch(client, deny_reason=reason)
        watching.run_watch(session, read_key, console, interval)
