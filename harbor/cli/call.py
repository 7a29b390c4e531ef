"""``harbor call port.action``: try an action the way an agent calls it, with HARBOR_KEY."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from harbor.cli.common import agent_client, parse_assignments, parse_json_object, print_json


def _takes_text(schema: dict[str, Any]) -> Any:
    """Which ``--arg`` keys the input schema types as strings: their values stay text."""
    properties = schema.get("properties") or {}

    def keep_text(key: str) -> bool:
        declared = (properties.get(key) or {}).get("type")
        return declared == "string" or (isinstance(declared, list) and "string" in declared)

    return keep_text


def call(
    ctx: typer.Context,
    action: Annotated[str, typer.Argument(help="The action to call: port.action")],
    arg: Annotated[
        list[str] | None,
        typer.Option("--arg", help="An argument KEY=VALUE (JSON unless the schema says text)"),
    ] = None,
    args_json: Annotated[
        str | None, typer.Option("--args-json", help="The arguments as one JSON object")
    ] = None,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for an approval before returning the call id")
    ] = 0,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Make a retry of the same call safe")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole call as JSON")] = False,
) -> None:
    """Call an action as the agent whose key is in HARBOR_KEY; print its result.

    Policy, approvals, rate limits and audit apply exactly as for the agent. A call that
    still waits for approval prints its id; `harbor calls show ID` follows it.
    """
    with agent_client(ctx) as client:
        arguments = parse_json_object(args_json, "--args-json") or {}
        if arg:
            schemas = {a.name: a.input_schema for a in client.list_actions()}
            keep_text = _takes_text(schemas.get(action, {}))
            arguments.update(parse_assignments(arg, "--arg", keep_text))
        made = client.call(action, arguments, idempotency_key=idempotency_key, wait=wait)
    if as_json:
        print_json(made.model_dump(mode="json"))
    elif made.pending:
        typer.echo(
            f"call {made.id} waits for approval {made.approval_id}; "
            f"follow it with: harbor calls show {made.id}",
            err=True,
        )
    else:
        typer.echo(json.dumps(made.result, indent=2, default=str))
