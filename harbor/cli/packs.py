"""``harbor packs``: export the node's setup as a Harbor Pack, and import one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from harbor.cli.common import console, operator_client, print_json, print_table
from harbor.errors import InvalidRequest

app = typer.Typer(help="Export and import Harbor Packs (never secrets).", no_args_is_help=True)


@app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="File to write (NAME.harborpack.json)")],
    port: Annotated[list[str] | None, typer.Option(help="A port to export; repeat")] = None,
    action: Annotated[
        list[str] | None, typer.Option(help="port.action to export; repeat (default: all)")
    ] = None,
    policy: Annotated[list[int] | None, typer.Option(help="A rule id to export; repeat")] = None,
    no_policies: Annotated[bool, typer.Option(help="Export no policy rules")] = False,
) -> None:
    """Write the chosen ports, actions and rules to a pack file. Secrets are named, never sent."""
    body: dict[str, Any] = {}
    if port:
        body["ports"] = port
    if action:
        body["actions"] = action
    if policy or no_policies:
        body["policies"] = policy or []
    with operator_client(ctx) as client:
        pack = client.request("POST", "/api/v1/packs/export", json=body).json()
    out.write_text(json.dumps(pack, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(
        f"wrote {out}: {len(pack['ports'])} ports, {len(pack['actions'])} actions, "
        f"{len(pack['policies'])} rules"
    )


@app.command("import")
def import_pack(
    ctx: typer.Context,
    pack_file: Annotated[Path, typer.Argument(help="A .harborpack.json file")],
    apply: Annotated[bool, typer.Option(help="Apply the plan (default: only show it)")] = False,
    on_conflict: Annotated[str, typer.Option(help="skip, rename or replace")] = "skip",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Show what importing the pack would do; with --apply, do it in one transaction."""
    try:
        pack = json.loads(pack_file.read_text(encoding="utf-8"))
    except OSError as err:
        raise InvalidRequest(f"cannot read {pack_file}: {err.strerror}") from err
    except ValueError as err:
        raise InvalidRequest(f"{pack_file} is not valid JSON: {err}") from err
    body = {"pack": pack, "dry_run": not apply, "on_conflict": on_conflict}
    with operator_client(ctx) as client:
        plan = client.request("POST", "/api/v1/packs/import", json=body).json()
    if as_json:
        print_json(plan)
        return
    print_table(
        ("kind", "name", "operation", "target", "detail"),
        ((i["kind"], i["name"], i["operation"], i["target"], i["detail"]) for i in plan["items"]),
    )
    for secret in plan["secrets_to_set"]:
        console.print(f"secret to set: {secret['port']}/{secret['name']}")
    verdict = "applied" if plan["applied"] else "not applied (dry run: add --apply)"
    console.print(f"{plan['conflicts']} conflicts ({plan['on_conflict']}); {verdict}")
