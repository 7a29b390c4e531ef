"""``harbor calls``, ``harbor pause`` and ``harbor resume``: watch calls, stop them all."""

from __future__ import annotations

from typing import Annotated

import typer

from harbor.cli.common import operator_client, print_json, print_table

app = typer.Typer(help="List and inspect agents' calls.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add ``pause`` and ``resume`` to the root app."""
    root.command("pause")(pause)
    root.command("resume")(resume)


@app.command("list")
def list_calls(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only calls with this status")] = None,
    agent: Annotated[str | None, typer.Option(help="Only this agent's calls")] = None,
    action: Annotated[str | None, typer.Option(help="Only this port.action")] = None,
    port: Annotated[str | None, typer.Option(help="Only this port's calls")] = None,
    limit: Annotated[int, typer.Option(help="At most this many")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """The newest calls first."""
    with operator_client(ctx) as client:
        page = client.list_calls(status=status, agent=agent, action=action, port=port, limit=limit)
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    print_table(
        ("id", "status", "action", "agent", "decision", "created"),
        (
            (
                c.id,
                c.status,
                c.action,
                c.agent,
                f"{c.decision.effect} ({c.decision.source})" if c.decision else "-",
                c.created_at.isoformat(timespec="seconds"),
            )
            for c in page.calls
        ),
    )


@app.command("show")
def show_call(
    ctx: typer.Context,
    call_id: Annotated[str, typer.Argument(help="The call (call_...)")],
    timeline: Annotated[
        bool, typer.Option(help="Also list the call's audit events, oldest first")
    ] = False,
) -> None:
    """Everything about one call, as JSON; --timeline adds what happened to it, step by step."""
    with operator_client(ctx) as client:
        shown = client.get_call(call_id).model_dump(mode="json")
        if timeline:
            events = reversed(list(client.iter_audit(call=call_id, limit=200)))
            shown["timeline"] = [
                {"seq": e.seq, "time": e.time.isoformat(), "type": e.type,
                 "actor": f"{e.actor_type}:{e.actor}", "outcome": e.outcome}
                for e in events
            ]  # fmt: skip
    print_json(shown)


def pause(
    ctx: typer.Context,
    reason: Annotated[str, typer.Option(help="Why; shown to agents and in the audit")] = "",
) -> None:
    """Emergency stop: refuse every call on the node until `harbor resume`."""
    with operator_client(ctx) as client:
        state = client.pause(reason)
    typer.echo(f"paused by {state.by}: every call is refused until `harbor resume`")


def resume(ctx: typer.Context) -> None:
    """Let calls run again after `harbor pause`."""
    with operator_client(ctx) as client:
        client.resume()
    typer.echo("resumed: calls run again")
