"""``harbor dock``: make a publisher key, build and serve a catalog, preview and import manifests.

``keygen``, ``build`` and ``serve`` need no node. ``preview`` and ``import`` ask the running
node (as the operator) to fetch, verify and apply a manifest by URL, or send a local file
with its ``.sig`` next to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from harbor.cli.common import console, operator_client, print_json, print_table
from harbor.errors import InvalidRequest

app = typer.Typer(
    help="The Dock catalog: keys, static site, preview and import.", no_args_is_help=True
)


@app.command("keygen")
def keygen(
    key: Annotated[Path, typer.Argument(help="Where to write the private key (0600)")],
) -> None:
    """Make a publisher key; prints the public key operators add to trusted_dock_publishers."""
    from harbor.dock.signing import generate_key, key_id, public_key_text

    public = public_key_text(generate_key(key).public_key())
    key.with_name(key.name + ".pub").write_text(public + "\n", encoding="ascii")
    console.print(f"wrote {key} (keep it private) and {key}.pub")
    console.print(f"public key {public} (id {key_id(public)})")


@app.command("build")
def build(
    catalog: Annotated[
        Path, typer.Argument(help="Catalog directory (catalog.json, integrations/)")
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory to write the site into")],
    key: Annotated[Path, typer.Option("--key", help="Publisher private key (harbor dock keygen)")],
    base_url: Annotated[
        str | None, typer.Option(help="Public URL of the site, for absolute import links")
    ] = None,
) -> None:
    """Check every manifest, sign it, and write the static site."""
    from harbor.dock.signing import key_id, load_private_key
    from harbor.dock.site import build_site

    built = build_site(catalog, out, load_private_key(key), base_url=base_url)
    console.print(f"built {len(built.manifests)} integrations into {built.out}")
    console.print(f"signed with {built.public_key} (id {key_id(built.public_key)})")


@app.command("serve")
def serve(
    site: Annotated[Path, typer.Argument(help="A directory written by harbor dock build")],
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8600,
) -> None:
    """Serve a built site; trust http://HOST:PORT on your node to import from it."""
    from harbor.dock.server import make_server

    server = make_server(site, host, port)
    console.print(f"serving {site} at http://{host}:{port}/ (Ctrl+C to stop)")
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _request_body(source: str, port: str | None, config: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if source.startswith(("http://", "https://")):
        body["url"] = source
    else:
        path = Path(source)
        try:
            body["manifest"] = json.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise InvalidRequest(f"cannot read {path}: {err.strerror}") from err
        except ValueError as err:
            raise InvalidRequest(f"{path} is not valid JSON: {err}") from err
        signature = path.with_name(path.name + ".sig")
        if signature.is_file():
            body["signature"] = json.loads(signature.read_text(encoding="utf-8"))
    if port:
        body["port"] = port
    if config:
        try:
            body["config"] = json.loads(config)
        except ValueError as err:
            raise InvalidRequest(f"--config is not valid JSON: {err}") from err
    return body


def _show_preview(preview: dict[str, Any]) -> None:
    signer = "unsigned" if not preview["signed"] else f"key {preview['key_id']}"
    trusted = "trusted" if preview["trusted"] else "not trusted"
    console.print(
        f"{preview['name']} {preview['version']} ({preview['id']}) from {preview['source']}"
    )
    console.print(f"signature: {signer}, {trusted}")
    connector = preview["connector"]
    state = "installed" if connector["installed"] else "NOT installed"
    console.print(f"connector: {connector['type']} ({connector['distribution']}) {state}")
    if connector.get("pip_install"):
        console.print(f"  run: {connector['pip_install']}")
    port = preview["port"]
    console.print(f"port: {port['name']} ({'update' if port['exists'] else 'create'})")
    print_table(
        ("action", "risk", "change"),
        ((a["qualified_name"], a["risk"], a["change"]) for a in preview["actions"]),
    )
    for rule in preview["policies"]:
        state = "exists" if rule["exists"] else ("enabled" if rule["enabled"] else "disabled")
        console.print(f"policy {rule['name']}: {rule['action']} -> {rule['effect']} ({state})")
    for secret in preview["secrets"]:
        console.print(f"secret to set: {secret['name']}: {secret['description']}")
    for entry in preview.get("diff") or []:
        console.print(f"changed {entry['pointer']}: {entry['change']}")
    for warning in preview["warnings"]:
        console.print(f"warning: {warning}")


SourceArg = Annotated[str, typer.Argument(help="Manifest URL, or a local file (with FILE.sig)")]
PortOpt = Annotated[str | None, typer.Option("--port", help="Port name (default: the manifest's)")]
ConfigOpt = Annotated[
    str | None, typer.Option("--config", help="JSON object of non-secret config overrides")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command("preview")
def preview(
    ctx: typer.Context,
    source: SourceArg,
    port: PortOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show what importing the manifest would create. Changes nothing."""
    body = _request_body(source, port, config)
    with operator_client(ctx) as client:
        result = client.request("POST", "/api/v1/dock/preview", json=body).json()
    if as_json:
        print_json(result)
    else:
        _show_preview(result)


@app.command("import")
def import_manifest(
    ctx: typer.Context,
    source: SourceArg,
    port: PortOpt = None,
    config: ConfigOpt = None,
    publish: Annotated[
        bool, typer.Option(help="Publish the actions at once (trusted publishers only)")
    ] = False,
    enable_policies: Annotated[
        bool, typer.Option(help="Create the suggested rules enabled")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import the manifest: port, drafts and suggested rules, in one transaction."""
    body = _request_body(source, port, config)
    body.update(publish=publish, enable_policies=enable_policies)
    with operator_client(ctx) as client:
        result = client.request("POST", "/api/v1/dock/import", json=body).json()
    if as_json:
        print_json(result)
        return
    _show_preview(result["preview"])
    console.print(
        f"imported: {len(result['drafts'])} drafts, {len(result['published'])} published, "
        f"{len(result['policies'])} rules; port status {result['port_status']}"
    )
