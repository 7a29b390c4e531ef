"""The root ``harbor`` Typer app: global options, command groups, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from harbor.cli import (
    actions,
    agents,
    approvals,
    audit,
    call,
    calls,
    data,
    drafts,
    local,
    mcp,
    packages,
    policies,
    ports,
    serve,
    settings,
    tokens,
)
from harbor.cli import cloud as cloud_cli
from harbor.cli import dock as dock_cli
from harbor.cli import oauth as oauth_cli
from harbor.cli import operators as operators_cli
from harbor.cli import packs as packs_cli
from harbor.cli.common import CliState, fail_message
from harbor.errors import HarborError


class HarborGroup(TyperGroup):
    """Renders every Harbor error as one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        """Run the chosen command; turn expected errors into ``error: ...`` and exit 1."""
        try:
            return super().invoke(ctx)
        except HarborError as err:
            raise typer.Exit(fail_message(str(err))) from err
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise typer.Exit(fail_message(f"{where}: {first['msg']}")) from err
        except KeyboardInterrupt as err:
            raise typer.Exit(130) from err


app = typer.Typer(
    name="harbor",
    cls=HarborGroup,
    help="Harbor: the local-first gateway between AI agents and the services they act on.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="harbor.toml to read (default: the one in the config directory)",
            envvar="HARBOR_CONFIG",
            show_envvar=False,
        ),
    ] = None,
) -> None:
    """Harbor: the local-first gateway between AI agents and the services they act on."""
    ctx.obj = CliState(config_file=config)


local.register(app)
serve.register(app)
data.register(app)
app.add_typer(agents.app, name="agents")
app.add_typer(tokens.app, name="tokens")
app.add_typer(audit.app, name="audit")
app.add_typer(data.secrets_app, name="secrets")
app.add_typer(approvals.app, name="approvals")
app.add_typer(calls.app, name="calls")
app.add_typer(policies.app, name="policies")
app.add_typer(dock_cli.app, name="dock")
app.add_typer(packs_cli.app, name="packs")
oauth_cli.register(ports.app)  # connect, connection, disconnect
app.add_typer(ports.app, name="ports")
app.add_typer(ports.connectors_app, name="connectors")
app.add_typer(actions.app, name="actions")
app.add_typer(drafts.app, name="drafts")
app.add_typer(settings.app, name="settings")
app.add_typer(cloud_cli.app, name="cloud")
app.add_typer(operators_cli.app, name="operators")
app.command("call")(call.call)
packages.register(app)
calls.register(app)
mcp.register(app)


def main() -> None:
    """Console entry point of ``harbor``."""
    app()
