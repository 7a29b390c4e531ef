"""``harbor audit``: list, export, verify and prune the hash-chained audit log."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from harbor.cli.common import err_console, operator_client, print_json, print_table, state

app = typer.Typer(help="Inspect, export, verify and prune the audit log.", no_args_is_help=True)

TypeOpt = Annotated[str | None, typer.Option("--type", help="Exact type, or a prefix: call.")]
ActorOpt = Annotated[str | None, typer.Option(help="Actor name, or type:name (agent:ci-bot)")]
PortOpt = Annotated[str | None, typer.Option(help="Port name")]
ActionOpt = Annotated[str | None, typer.Option(help="Qualified action: port.action")]
CallOpt = Annotated[str | None, typer.Option("--call", help="Call id")]
OutcomeOpt = Annotated[str | None, typer.Option(help="ok, denied, failed, ...")]
SinceOpt = Annotated[
    str | None, typer.Option(help="At or after this time (ISO 8601, UTC if no zone)")
]
UntilOpt = Annotated[str | None, typer.Option(help="Before this time (ISO 8601, UTC if no zone)")]


def parse_time(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 date or time; one without a zone is UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 date or time", param_hint=option
        ) from err
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _filters(**values: Any) -> dict[str, Any]:
    values["since"] = parse_time(values.get("since"), "--since")
    values["until"] = parse_time(values.get("until"), "--until")
    return {name: value for name, value in values.items() if value is not None}


@app.command("list")
def list_events(
    ctx: typer.Context,
    type: TypeOpt = None,
    actor: ActorOpt = None,
    port: PortOpt = None,
    action: ActionOpt = None,
    call: CallOpt = None,
    outcome: OutcomeOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Events per page")] = 50,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of an earlier page")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List audit events, newest first (one page; --cursor continues)."""
    filters = _filters(
        type=type, actor=actor, port=port, action=action, call=call, outcome=outcome,
        since=since, until=until,
    )  # fmt: skip
    with operator_client(ctx) as client:
        page = client.list_audit(**filters, limit=limit, cursor=cursor)
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    print_table(
        ("seq", "time", "actor", "type", "subject", "outcome"),
        (
            (
                e.seq,
                e.time.isoformat(timespec="seconds"),
                f"{e.actor_type}:{e.actor}",
                e.type,
                e.subject,
                e.outcome,
            )
            for e in page.events
        ),
    )
    if page.next_cursor:
        typer.echo(f"more: --cursor {page.next_cursor}", err=True)


@app.command("export")
def export_events(
    ctx: typer.Context,
    format: Annotated[
        Literal["jsonl", "cloudevents"], typer.Option("--format", help="jsonl or cloudevents")
    ] = "jsonl",
    type: TypeOpt = None,
    actor: ActorOpt = None,
    port: PortOpt = None,
    action: ActionOpt = None,
    call: CallOpt = None,
    outcome: OutcomeOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
) -> None:
    """Write matching events to stdout as JSON lines, oldest first."""
    filters = _filters(
        type=type, actor=actor, port=port, action=action, call=call, outcome=outcome,
        since=since, until=until,
    )  # fmt: skip
    progress = Progress(
        SpinnerColumn(), TextColumn("exporting audit events: {task.completed} written"),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    )  # fmt: skip
    with operator_client(ctx) as client, progress:
        task = progress.add_task("export")
        for record in client.export_audit(format, **filters):
            sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
            progress.advance(task)


@app.command("prune")
def prune(
    ctx: typer.Context,
    before: Annotated[
        str | None,
        typer.Option(help="Delete events older than this (ISO 8601); default: the retention"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Delete old events behind a checkpoint; the chain stays verifiable."""
    with operator_client(ctx) as client:
        result = client.prune_audit(parse_time(before, "--before"))
    if as_json:
        print_json(result.model_dump(mode="json"))
    elif result.pruned:
        typer.echo(
            f"pruned {result.pruned} events; the chain now starts after event {result.through_seq}"
        )
    else:
        typer.echo(f"nothing older than {result.before.isoformat()} to prune")


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
        with err_console.status("verifying the audit chain in the data directory…"):
            result = _verify_offline(ctx)
    else:
        with operator_client(ctx) as client, err_console.status("verifying the audit chain…"):
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
    from harbor.plugins.jsonl_audit import FILE_NAME, JsonLinesSink
    from harbor.runtime.audit import AuditLog, verify_chain
    from harbor.store import Store

    settings = state(ctx).settings()
    store = Store(settings.effective_database_url)
    try:
        store.check_connection()
        with store.session() as session:
            log = AuditLog(settings.data_dir, [JsonLinesSink(settings.data_dir / FILE_NAME)])
            found = verify_chain(session, log)
    finally:
        store.dispose()
    return {
        "ok": found.ok,
        "checked": found.checked,
        "head_seq": found.head_seq,
        "first_broken_seq": found.first_broken_seq,
        "message": found.message,
    }
