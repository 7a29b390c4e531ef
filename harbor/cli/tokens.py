"""``harbor tokens``: operator API tokens, through the running node."""

from __future__ import annotations

from typing import Annotated

import typer

from harbor.cli.common import err_console, operator_client, print_json, print_table

app = typer.Typer(help="Create, list and revoke operator API tokens.", no_args_is_help=True)


@app.command("create")
def create_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'backup script'")],
    expires_in_days: Annotated[int | None, typer.Option(help="Expire after this many days")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Create an operator token and print it (shown this once only)."""
    with operator_client(ctx) as client:
        created = client.create_token(name, expires_in_days)
    if as_json:
        print_json(created.model_dump(mode="json"))
        return
    typer.echo(created.token)
    err_console.print(f"token {created.id} created; it is printed above and never shown again")


@app.command("list")
def list_tokens(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List operator tokens (never their values)."""
    with operator_client(ctx) as client:
        tokens = client.list_tokens()
    if as_json:
        print_json([t.model_dump(mode="json") for t in tokens])
        return
    print_table(
        ("id", "name", "prefix", "expires", "last used", "status"),
        (
            (
                t.id,
                t.name,
                t.prefix,
                t.expires_at.isoformat(timespec="seconds") if t.expires_at else "never",
                t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "-",
                "revoked" if t.revoked_at else "active",
            )
            for t in tokens
        ),
    )


@app.command("revoke")
def revoke_token(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="The token's id (see `harbor tokens list`)")],
) -> None:
    """Revoke an operator token."""
    with operator_client(ctx) as client:
        client.revoke_token(token_id)
    typer.echo(f"token {token_id} revoked")
