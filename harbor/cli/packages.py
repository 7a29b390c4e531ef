"""``harbor install`` and ``harbor uninstall``: plugins and connectors in Harbor's own Python.

Like ``llm install``, these run pip with the interpreter that runs Harbor, so a connector
lands where the node can load it, whatever the shell's ``pip`` would have picked.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import typer

from harbor.cli.common import err_console
from harbor.errors import InvalidRequest

RESTART_HINT = (
    "restart Harbor to load the change: stop `harbor serve` and start it again "
    "(plugins are loaded at start); `harbor plugins` lists what is loaded"
)


def pip_command() -> list[str]:
    """pip of the Python that runs Harbor."""
    return [sys.executable, "-m", "pip"]


def register(app: typer.Typer) -> None:
    """Add ``install`` and ``uninstall`` to the root app."""
    app.command("install")(install)
    app.command("uninstall")(uninstall)


def _run_pip(arguments: list[str], activity: str) -> str:
    """Run pip with a spinner; its output when it worked, a one-line error when not."""
    command = [*pip_command(), *arguments]
    with err_console.status(activity):
        # The command is our interpreter's pip with the names the operator typed.
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise InvalidRequest(f"pip failed (exit {done.returncode}): {last}")
    return done.stdout + done.stderr


def install(
    packages: Annotated[
        list[str], typer.Argument(help="Distributions, wheel files or directories to install")
    ],
    upgrade: Annotated[bool, typer.Option("--upgrade", "-U", help="Upgrade if installed")] = False,
    editable: Annotated[
        bool, typer.Option("--editable", "-e", help="Install the directory in editable mode")
    ] = False,
) -> None:
    """Install plugins or connectors with pip into Harbor's own environment."""
    arguments = ["install", "--disable-pip-version-check"]
    if upgrade:
        arguments.append("--upgrade")
    if editable:
        if len(packages) != 1:
            raise InvalidRequest("--editable takes exactly one directory")
        arguments.append("--editable")
    output = _run_pip([*arguments, *packages], f"installing {' '.join(packages)}…")
    done = [line for line in output.splitlines() if line.startswith("Successfully installed")]
    typer.echo(done[-1] if done else f"{' '.join(packages)}: already installed")
    typer.echo(RESTART_HINT)


def uninstall(
    packages: Annotated[list[str], typer.Argument(help="Distributions to remove")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm")] = False,
) -> None:
    """Remove plugins or connectors from Harbor's own environment with pip."""
    if not yes:
        typer.confirm(f"uninstall {' '.join(packages)} from Harbor's environment?", abort=True)
    output = _run_pip(["uninstall", "--yes", *packages], f"uninstalling {' '.join(packages)}…")
    # pip only warns, and exits 0, for a name that is not installed.
    absent = [name for name in packages if f"Skipping {name} as it is not installed" in output]
    if absent:
        raise InvalidRequest(f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} "
                             "not installed")  # fmt: skip
    typer.echo(f"uninstalled {' '.join(packages)}")
    typer.echo(RESTART_HINT + "; ports of a removed connector stop working")
