"""``harbor serve``: start the node (first-run setup, loopback guard, uvicorn)."""

from __future__ import annotations

import errno
import os
import socket
import ssl
from typing import Annotated, Any

import typer

from harbor.cli.common import err_console, state
from harbor.errors import ConfigError
from harbor.settings import ENV_PREFIX, Settings

APP_FACTORY = "harbor.api.app:app_from_environment"


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""
    app.command("serve")(serve)


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port to listen on")] = None,
    workers: Annotated[int | None, typer.Option(help="Server worker processes")] = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy database URL")] = None,
    log_level: Annotated[str | None, typer.Option(help="debug, info, warning or error")] = None,
    log_format: Annotated[str | None, typer.Option(help="json or text")] = None,
) -> None:
    """Start the Harbor node (default http://127.0.0.1:8765)."""
    overrides: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "database_url": database_url,
        "log_level": log_level,
        "log_format": log_format,
    }
    settings = state(ctx).settings(**overrides)
    from harbor.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    needs_setup = prepare_first_run(settings)
    if needs_setup and not settings.is_loopback_only:
        raise ConfigError(
            f"refusing to listen on {settings.host} before an operator password exists: "
            "run `harbor init` (or set HARBOR_ADMIN_PASSWORD or HARBOR_ADMIN_PASSWORD_FILE), "
            "or listen on 127.0.0.1 first"
        )
    check_tls_files(settings)
    ensure_port_free(settings)
    config_file = state(ctx).config_file
    if config_file is not None:
        os.environ["HARBOR_CONFIG"] = str(config_file)
    run_server(settings, {k: v for k, v in overrides.items() if v is not None})


def prepare_first_run(settings: Settings) -> bool:
    """Migrate the database and handle a node with no operator; True if setup is pending."""
    from harbor.node import Node
    from harbor.runtime import setup

    node = Node(settings)
    try:
        node.prepare()
        with node.store.session() as session:
            if not setup.needs_setup(session):
                return False
            token = setup.bootstrap_operator(session, node.admin_password())
            pending = setup.needs_setup(session)
    finally:
        node.close()
    if token:
        err_console.print(
            "\n[bold]Harbor has no operator yet.[/bold] Finish setup with this one-time token "
            f"(valid 24 h):\n\n    {token}\n\nopen {console_url(settings)}/setup in a browser, "
            "or run `harbor init` in another terminal, and paste it.\n"
        )
    return pending


def console_url(settings: Settings) -> str:
    """Where a browser on this machine reaches the node's web console."""
    scheme = "https" if settings.tls_certfile else "http"
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104
    return f"{scheme}://{host}:{settings.port}"


def check_tls_files(settings: Settings) -> None:
    """Refuse a half or unusable HTTPS setup before anything starts (never fall back to HTTP)."""
    if settings.tls_keyfile and not settings.tls_certfile:
        raise ConfigError(
            "tls_keyfile is set but tls_certfile is not: set both (HARBOR_TLS_CERTFILE and "
            "HARBOR_TLS_KEYFILE) to serve HTTPS"
        )
    if not settings.tls_certfile:
        return
    try:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(settings.tls_certfile, settings.tls_keyfile)
    except (OSError, ssl.SSLError) as err:
        key = f" and key {settings.tls_keyfile}" if settings.tls_keyfile else ""
        raise ConfigError(
            f"cannot serve HTTPS with certificate {settings.tls_certfile}{key}: "
            f"{getattr(err, 'strerror', None) or err}"
        ) from err


def ensure_port_free(settings: Settings) -> None:
    """Fail with a clear message when the address is taken, before anything starts."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"port {settings.port} on {settings.host} is already in use: stop the other "
                    "process or choose another with --port (or HARBOR_PORT)"
                ) from err
            raise ConfigError(
                f"cannot listen on {settings.host}:{settings.port}: {err.strerror}"
            ) from err


def recover_calls_once(settings: Settings) -> None:
    """Before several workers start: calls a crash left running become ``unknown``."""
    from harbor.node import Node
    from harbor.runtime.dispatch import recover_interrupted_calls

    node = Node(settings)
    try:
        count = recover_interrupted_calls(node)
    finally:
        node.close()
    if count:
        err_console.print(f"{count} call(s) were running when the node stopped: now unknown")


def run_server(settings: Settings, flags: dict[str, Any]) -> None:
    """Hand over to uvicorn; every worker builds its app from the same settings."""
    import uvicorn

    # Workers are new processes: they read the flags back from the environment.
    for name, value in flags.items():
        os.environ[ENV_PREFIX + name.upper()] = str(value)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "forwarded_allow_ips": ",".join(settings.forwarded_allow_ips) or None,
        "proxy_headers": bool(settings.forwarded_allow_ips),
    }
    if settings.tls_certfile:
        options["ssl_certfile"] = str(settings.tls_certfile)
        options["ssl_keyfile"] = str(settings.tls_keyfile) if settings.tls_keyfile else None
    if settings.workers > 1:
        from harbor.api.app import RECOVER_ENV

        recover_calls_once(settings)
        os.environ[RECOVER_ENV] = "0"
        uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **options)
        return
    from harbor.api.app import create_app

    uvicorn.run(create_app(settings), **options)
