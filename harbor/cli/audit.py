"""``harbor audit``: verify the hash-chained audit log."""

from __future__ import annotations

from typing import Annotated

import typer

from harbor.cli.common import operator_client, print_json, state

app = typer.Typer(help="Inspect and verify the audit log.", no_args_is_help=True)


@app.command("verify")
def verify(
    ctx: typer.Context,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Read the data directory directly (no node needed)"),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Recompute the hash chain; exit 1 at the first broken link or deleted newest events."""
    if offline:
        result = _verify_offline(ctx)
    else:
        with operator_client(ctx) as client:
            result = client.verify_audit().model_dump()
    if as_json:
        print_json(result)
    elif result["ok"]:
        typer.echo(f"ok: {result['checked']} events verified, head at {result['head_seq']}")
    if not result["ok"]:
        if not as_json:
            typer.echo(f"BROKEN: {result['message']}", err=True)
        raise typer.Exit(1)


def _verify_offline(ctx: typer.Context) -> dict[str, object]:
    from harbor.runtime.audit import AuditLog, verify_chain
    from harbor.store import Store

    settings = state(ctx).settings()
    store = Store(settings.effective_database_url)
    try:
        store.check_connection()
        with store.session() as session:
            found = verify_chain(session, AuditLog(settings.data_dir))
    finally:
        store.dispose()
    return {
        "ok": found.ok,
        "checked": found.checked,
        "head_seq": found.head_seq,
        "first_broken_seq": found.first_broken_seq,
        "message": found.message,
    }
