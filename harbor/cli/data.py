"""Commands on the data directory itself: ``backup``, ``restore``, ``secrets rotate-key``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from harbor.cli.common import err_console, state
from harbor.runtime.files import write_private_file

secrets_app = typer.Typer(help="Manage the key that encrypts stored secrets.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the root app."""
    app.command("backup")(backup)
    app.command("restore")(restore)


def backup(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="Archive to write (.tar.gz), must not exist")],
    include_key: Annotated[
        bool,
        typer.Option("--include-key", help="Also store the secret key (keep the file safe!)"),
    ] = False,
) -> None:
    """Write one consistent archive of the database, audit head, config and (optionally) key."""
    from harbor.node import Node
    from harbor.runtime.backup import create_backup

    node = Node(state(ctx).settings())
    try:
        node.prepare()
        report = create_backup(node, archive, include_key)
    finally:
        node.close()
    typer.echo(f"backup written to {report.archive} ({report.size_bytes} bytes)")
    if report.warning:
        err_console.print(
            f"[bold yellow]warning:[/bold yellow] the key is NOT included: {report.warning}"
        )


def restore(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="Archive written by `harbor backup`")],
) -> None:
    """Restore a backup into an empty data directory (the node must not be running)."""
    from harbor.runtime.backup import restore_backup

    report = restore_backup(archive, state(ctx).settings())
    typer.echo(
        f"restored the node of {report.created_at} (harbor {report.harbor_version}) "
        f"into {report.database.parent}"
    )
    for name in report.skipped:
        err_console.print(f"skipped {name}")
    if report.warning:
        err_console.print(f"[bold yellow]warning:[/bold yellow] {report.warning}")


@secrets_app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Re-encrypt every stored secret under a new key (stop the node first).

    With the key in the data directory, the new key replaces it and the old one is kept as
    secret.key.old for older backups. With HARBOR_SECRET_KEY set, the new key is printed
    and you must put it into HARBOR_SECRET_KEY before the next start.
    """
    from harbor.node import Node
    from harbor.runtime import secrets

    settings = state(ctx).settings()
    node = Node(settings)
    try:
        node.prepare()
        old = node.secret_box()
        new = secrets.SecretBox.generate()
        from_env = bool(os.environ.get(secrets.KEY_ENV))
        # Kept until the new key is installed, so a crash in between loses nothing.
        pending = secrets.key_file(settings).with_name("secret.key.pending")
        if not from_env:
            write_private_file(pending, new.key_b64)
        with node.store.session() as session:
            count = secrets.rotate_key(session, old, new)
        if not from_env:
            secrets.write_key_file(settings, new)
            pending.unlink(missing_ok=True)
    finally:
        node.close()
    typer.echo(f"re-encrypted {count} stored secret(s) under a new key")
    if from_env:
        err_console.print(
            f"{secrets.KEY_ENV} is set: replace it with the new key below before the next start"
        )
        typer.echo(new.key_b64)
