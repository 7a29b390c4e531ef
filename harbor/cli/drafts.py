"""``harbor drafts``: new actions and versions, from draft to validated, tested and published."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer

from harbor.cli.common import (
    err_console,
    operator_client,
    parse_assignments,
    parse_json_object,
    print_json,
    print_table,
    when,
)
from harbor.errors import InvalidRequest

app = typer.Typer(
    help="Create drafts (from a file or a template), validate, test, publish or reject them.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
DraftArg = Annotated[int, typer.Argument(help="The draft's id (see `harbor drafts list PORT`)")]


def read_draft_file(path: Path) -> dict[str, Any]:
    """A draft spec from a JSON or TOML file (action, kind, risk, input_schema, definition)."""
    try:
        text = path.read_text()
    except OSError as err:
        raise InvalidRequest(f"cannot read {path}: {err.strerror}") from err
    try:
        spec = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        raise InvalidRequest(f"{path} is not valid {kind}: {err}") from err
    if not isinstance(spec, dict):
        raise InvalidRequest(f"{path} must hold one object")
    return spec


def _summary(d: Any) -> str:
    """What happened to a draft, in a line."""
    line = f"draft {d.id} ({d.port}.{d.action}) is {d.status}"
    if d.published_version:
        line += f": published as v{d.published_version}"
    return line


def _report(d: Any) -> None:
    """The validation errors or the test outcome of a draft, readable."""
    if d.validation and not d.validation.ok:
        for error in d.validation.errors:
            typer.echo(f"  {error.pointer or '/'}: {error.message}", err=True)
    if d.test is not None:
        if d.test.ok:
            typer.echo(json.dumps(d.test.result, indent=2, default=str))
        elif d.test.error:
            typer.echo(f"  test failed: {d.test.error.message}", err=True)


@app.command("create")
def create_draft(
    ctx: typer.Context,
    port: Annotated[str, typer.Argument(help="The port the action belongs to")],
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="A JSON or TOML file with the draft")
    ] = None,
    template: Annotated[
        list[str] | None,
        typer.Option(help="A starter template of the port's connector; repeat"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Start drafts from a file (action, kind, risk, input_schema, definition) or templates."""
    from harbor_client.models import DraftCreate

    if (file is None) == (not template):
        raise InvalidRequest("give either --file or --template")
    with operator_client(ctx) as client:
        if file is not None:
            created = [client.create_draft(port, DraftCreate.model_validate(read_draft_file(file)))]
        else:
            created = client.apply_templates(port, template)
    if as_json:
        print_json([d.model_dump(mode="json") for d in created])
        return
    for draft in created:
        typer.echo(f"{_summary(draft)}; next: harbor drafts validate {draft.id}")


@app.command("list")
def list_drafts(
    ctx: typer.Context,
    port: Annotated[str, typer.Argument(help="The port")],
    as_json: JsonOpt = False,
) -> None:
    """A port's drafts, newest first."""
    with operator_client(ctx) as client:
        found = client.list_drafts(port)
    if as_json:
        print_json([d.model_dump(mode="json") for d in found])
        return
    print_table(
        ("id", "action", "status", "risk", "kind", "published", "updated"),
        (
            (d.id, d.action, d.status, d.risk, d.kind,
             f"v{d.published_version}" if d.published_version else "-", when(d.updated_at))
            for d in found
        ),
    )  # fmt: skip


@app.command("show")
def show_draft(ctx: typer.Context, draft_id: DraftArg) -> None:
    """One draft with its validation and test results, as JSON."""
    with operator_client(ctx) as client:
        print_json(client.get_draft(draft_id).model_dump(mode="json"))


@app.command("validate")
def validate_draft(ctx: typer.Context, draft_id: DraftArg, as_json: JsonOpt = False) -> None:
    """Check the definition, input schema and name; exit 1 with the problems if any."""
    with operator_client(ctx) as client:
        draft = client.validate_draft(draft_id)
    if as_json:
        print_json(draft.model_dump(mode="json"))
    else:
        typer.echo(_summary(draft))
        _report(draft)
    if draft.validation is None or not draft.validation.ok:
        raise typer.Exit(1)


@app.command("test")
def run_draft_test(
    ctx: typer.Context,
    draft_id: DraftArg,
    arg: Annotated[
        list[str] | None, typer.Option("--arg", help="An argument KEY=VALUE; repeat")
    ] = None,
    args_json: Annotated[
        str | None, typer.Option("--args-json", help="The arguments as one JSON object")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the draft once against the real port with sample arguments; exit 1 if it fails."""
    arguments = {**(parse_json_object(args_json, "--args-json") or {}),
                 **parse_assignments(arg or [], "--arg")}  # fmt: skip
    with operator_client(ctx) as client, err_console.status(f"testing draft {draft_id}…"):
        draft = client.test_draft(draft_id, arguments)
    if as_json:
        print_json(draft.model_dump(mode="json"))
    else:
        typer.echo(_summary(draft))
        _report(draft)
    if draft.test is None or not draft.test.ok:
        raise typer.Exit(1)


@app.command("publish")
def publish_draft(
    ctx: typer.Context,
    draft_id: DraftArg,
    force: Annotated[
        bool, typer.Option("--force", help="Publish without a passing test (audited as forced)")
    ] = False,
) -> None:
    """Publish the draft as a new immutable version of its action."""
    with operator_client(ctx) as client:
        draft = client.publish_draft(draft_id, force=force)
    typer.echo(_summary(draft))


@app.command("reject")
def reject_draft(
    ctx: typer.Context,
    draft_id: DraftArg,
    reason: Annotated[str, typer.Option(help="Why it is rejected")],
) -> None:
    """Reject the draft with a reason."""
    with operator_client(ctx) as client:
        draft = client.reject_draft(draft_id, reason)
    typer.echo(_summary(draft))
