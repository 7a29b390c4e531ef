"""``harbor agents``: agent identities and their keys, through the running node."""

from __future__ import annotations

from typing import Annotated

import typer

from harbor.cli.common import err_console, operator_client, print_json, print_table

app = typer.Typer(help="Create, list and revoke agents and their keys.", no_args_is_help=True)


@app.command("create")
def create_agent(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Agent name: lowercase letters, digits, - and _")],
    scope: Annotated[
        list[str],
        typer.Option("--scope", "-s", help="Glob over port.action the agent may call; repeat"),
    ],
    description: Annotated[str, typer.Option(help="What this agent is")] = "",
    expires_in_days: Annotated[
        int | None, typer.Option(help="The first key expires after this many days")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Create an agent and print its first key (shown this once only)."""
    with operator_client(ctx) as client:
        created = client.create_agent(name, scope, description, expires_in_days)
    if as_json:
        print_json(created.model_dump(mode="json"))
        return
    typer.echo(created.key.key)
    err_console.print(
        f"agent {created.agent.name} created; its key is printed above and is never shown again"
    )


@app.command("list")
def list_agents(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List agents with their scopes and keys."""
    with operator_client(ctx) as client:
        agents = client.list_agents()
    if as_json:
        print_json([a.model_dump(mode="json") for a in agents])
        return
    print_table(
        ("agent", "scopes", "keys", "status", "created"),
        (
            (
                a.name,
                " ".join(a.scopes),
                ", ".join(k.prefix for k in a.keys if k.revoked_at is None) or "-",
                "revoked" if a.revoked_at else "active",
                a.created_at.isoformat(timespec="seconds"),
            )
            for a in agents
        ),
    )


@app.command("set-scopes")
def set_scopes(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agent")],
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", "-s", help="Glob over port.action; repeat; none = call nothing"),
    ] = None,
) -> None:
    """Replace the agent's scopes (its keys keep working)."""
    with operator_client(ctx) as client:
        agent = client.update_agent(name, scopes=scope or [])
    typer.echo(f"agent {agent.name} scopes: {' '.join(agent.scopes) or '(none)'}")


@app.command("revoke")
def revoke_agent(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agent to revoke")],
) -> None:
    """Revoke an agent and every key it has."""
    with operator_client(ctx) as client:
        client.revoke_agent(name)
    typer.echo(f"agent {name} revoked")


@app.command("add-key")
def add_key(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agent")],
    expires_in_days: Annotated[int | None, typer.Option(help="Expire after this many days")] = None,
) -> None:
    """Give an agent one more key (for rotation) and print it once."""
    with operator_client(ctx) as client:
        created = client.create_agent_key(name, expires_in_days)
    typer.echo(created.key)
    err_console.print(f"key {created.prefix}… added to {name}; it is never shown again")


@app.command("revoke-key")
def revoke_key(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agent")],
    key_id: Annotated[int, typer.Argument(help="The key's id (see `harbor agents list --json`)")],
) -> None:
    """Revoke one key of an agent."""
    with operator_client(ctx) as client:
        client.revoke_agent_key(name, key_id)
    typer.echo(f"key {key_id} of {name} revoked")


@app.command("rotate-key")
def rotate_key(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agent")],
    key_id: Annotated[int, typer.Argument(help="The key to replace (see `harbor agents list`)")],
    expires_in_days: Annotated[
        int | None, typer.Option(help="The new key expires after this many days")
    ] = None,
) -> None:
    """Replace a key in one step: print the new key once and revoke the old one."""
    with operator_client(ctx) as client:
        created = client.rotate_agent_key(name, key_id, expires_in_days)
    typer.echo(created.key)
    err_console.print(
        f"key {key_id} of {name} revoked; its replacement {created.prefix}… is printed above "
        "and is never shown again"
    )


@app.command("suspend")
def suspend(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agent")],
    reason: Annotated[str, typer.Option(help="Why; kept in the audit log")] = "",
) -> None:
    """Refuse every call of this agent until `harbor agents resume` (keys stay valid)."""
    with operator_client(ctx) as client:
        client.suspend_agent(name, reason)
    typer.echo(f"agent {name} suspended")


@app.command("resume")
def resume(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agent")],
) -> None:
    """Let a suspended agent call again."""
    with operator_client(ctx) as client:
        client.resume_agent(name)
    typer.echo(f"agent {name} resumed")
