"""The ``harbor-cloud`` command: serve, migrate, admin create."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from harbor_cloud.accounts import create_account
from harbor_cloud.audit import Actor, record
from harbor_cloud.errors import CloudError
from harbor_cloud.settings import CloudSettings
from harbor_cloud.store.engine import Store
from harbor_cloud.store.migrate import upgrade_database

app = typer.Typer(
    help="Harbor Cloud: accounts, node enrollment and licenses.",
    no_args_is_help=True,
    add_completion=False,
)
admin_app = typer.Typer(help="Manage admin accounts (run on the cloud host).", no_args_is_help=True)
app.add_typer(admin_app, name="admin")


def fail(message: str) -> None:
    """One plain line on stderr and exit 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _settings() -> CloudSettings:
    try:
        return CloudSettings.from_env()
    except ValidationError as err:
        first = err.errors()[0]
        name = "HARBOR_CLOUD_" + "_".join(str(part) for part in first["loc"]).upper()
        fail(f"{name}: {first['msg']}")
        raise  # unreachable: fail exits


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8780,
) -> None:
    """Run the cloud (migrates the database first)."""
    import uvicorn

    from harbor_cloud.app import create_app

    uvicorn.run(create_app(_settings()), host=host, port=port)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.effective_database_url)
    upgrade_database(store.engine)
    store.dispose()
    typer.echo("database is up to date")


def _admin_password(password_file: Path | None) -> str:
    if password_file is not None:
        try:
            return password_file.read_text().rstrip("\n")
        except OSError as err:
            fail(f"cannot read {password_file}: {err.strerror}")
    from_env = os.environ.get("HARBOR_CLOUD_ADMIN_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        fail("no password: use --password-file, HARBOR_CLOUD_ADMIN_PASSWORD or a terminal")
    password: str = typer.prompt("Admin password", hide_input=True, confirmation_prompt=True)
    return password


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Option(help="The admin's email address.")],
    password_file: Annotated[
        Path | None, typer.Option(help="Read the password from this file.")
    ] = None,
) -> None:
    """Create an admin account (password from --password-file, the env or a prompt)."""
    password = _admin_password(password_file)
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.effective_database_url)
    upgrade_database(store.engine)
    try:
        with store.session() as session:
            account = create_account(session, email, password, role="admin")
            record(session, Actor.system(), "admin.created", account.id, email=account.email)
    except CloudError as err:
        fail(err.detail)
    finally:
        store.dispose()
    typer.echo(f"admin {account.email} created ({account.id})")


def main() -> None:
    """Entry point of the ``harbor-cloud`` console script."""
    app()
