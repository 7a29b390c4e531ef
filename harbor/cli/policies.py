"""``harbor policies``: the ordered rules that allow, deny or ask for approval."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from harbor.cli.common import operator_client, print_json, print_table
from harbor.errors import InvalidRequest

app = typer.Typer(help="List, add, remove and explain policy rules.", no_args_is_help=True)


@app.command("list")
def list_rules(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Every rule in evaluation order (the first that applies decides)."""
    with operator_client(ctx) as client:
        rules = client.list_policies()
    if as_json:
        print_json([r.model_dump(mode="json") for r in rules])
        return
    print_table(
        ("id", "agent", "action", "risks", "arguments", "effect", "rate limit", "enabled"),
        (
            (
                r.id,
                r.agent or "*",
                r.action,
                ",".join(r.risks) or "*",
                "schema" if r.arguments_schema else "-",
                r.effect,
                f"{r.rate_limit.calls}/{r.rate_limit.window_seconds}s" if r.rate_limit else "-",
                "yes" if r.enabled else "no",
            )
            for r in rules
        ),
    )


def _json_object(raw: str | None, option: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InvalidRequest(f"{option} is not valid JSON: {err.msg}") from err
    if not isinstance(value, dict):
        raise InvalidRequest(f"{option} must be a JSON object")
    return value


@app.command("add")
def add_rule(
    ctx: typer.Context,
    effect: Annotated[str, typer.Argument(help="allow, deny or require_approval")],
    action: Annotated[str, typer.Option(help="Glob over port.action")] = "*.*",
    agent: Annotated[str | None, typer.Option(help="Agent name or glob (any if omitted)")] = None,
    risk: Annotated[
        list[str] | None, typer.Option(help="read, write or destructive; repeat")
    ] = None,
    arguments_schema: Annotated[
        str | None, typer.Option(help="JSON Schema the arguments must match")
    ] = None,
    rate_limit: Annotated[
        str | None, typer.Option(help="CALLS/SECONDS, e.g. 10/60, per agent and action")
    ] = None,
    approvals_required: Annotated[int, typer.Option(help="Approvers needed")] = 1,
    position: Annotated[int | None, typer.Option(help="1-based place; last if omitted")] = None,
    description: Annotated[str, typer.Option(help="What the rule is for")] = "",
) -> None:
    """Add a rule."""
    from harbor_client.models import PolicyRuleCreate, RateLimit

    limit = None
    if rate_limit:
        calls, _, seconds = rate_limit.partition("/")
        if not (calls.isdigit() and seconds.isdigit()):
            raise InvalidRequest("--rate-limit must look like CALLS/SECONDS, e.g. 10/60")
        limit = RateLimit(calls=int(calls), window_seconds=int(seconds))
    rule = PolicyRuleCreate.model_validate(
        {
            "effect": effect,
            "action": action,
            "agent": agent,
            "risks": risk or [],
            "arguments_schema": _json_object(arguments_schema, "--arguments-schema"),
            "rate_limit": limit,
            "approvals_required": approvals_required,
            "position": position,
            "description": description,
        }
    )
    with operator_client(ctx) as client:
        created = client.create_policy(rule)
    typer.echo(f"rule {created.id} added at position {created.position}")


@app.command("remove")
def remove_rule(
    ctx: typer.Context, rule_id: Annotated[int, typer.Argument(help="The rule's id")]
) -> None:
    """Remove a rule."""
    with operator_client(ctx) as client:
        client.delete_policy(rule_id)
    typer.echo(f"rule {rule_id} removed")


@app.command("move")
def move_rule(
    ctx: typer.Context,
    rule_id: Annotated[int, typer.Argument(help="The rule's id")],
    position: Annotated[int, typer.Argument(help="Its new 1-based place; past the end = last")],
) -> None:
    """Move one rule to a new place in the evaluation order; the others keep theirs."""
    with operator_client(ctx) as client:
        rules = client.move_policy(rule_id, position)
    placed = next(r.position for r in rules if r.id == rule_id)
    typer.echo(f"rule {rule_id} is now at position {placed}")


@app.command("reorder")
def reorder_rules(
    ctx: typer.Context,
    rule_ids: Annotated[
        list[int], typer.Argument(help="Every rule's id once, in the new evaluation order")
    ],
) -> None:
    """Set the whole evaluation order at once (the first rule that applies decides)."""
    with operator_client(ctx) as client:
        rules = client.reorder_policies(rule_ids)
    typer.echo("order: " + " ".join(str(r.id) for r in rules))


@app.command("explain")
def explain(
    ctx: typer.Context,
    agent: Annotated[str, typer.Argument(help="The agent")],
    action: Annotated[str, typer.Argument(help="port.action")],
    arguments: Annotated[str, typer.Option(help="The arguments as a JSON object")] = "{}",
) -> None:
    """What would happen if AGENT called ACTION with these arguments (nothing runs)."""
    with operator_client(ctx) as client:
        answer = client.explain_policy(agent, action, _json_object(arguments, "--arguments") or {})
    print_json(answer.model_dump(mode="json"))
