"""Build step of the wheel: the MkDocs site goes into the package, for the node's /docs.

Everything else about the distribution is in pyproject.toml. mkdocs and mkdocs-material are
build requirements, so ``pip wheel .`` and ``python -m build`` always ship the docs of the
version they package.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithDocs(build_py):
    """``build_py`` that also renders ``docs/`` into ``harbor/docs_site`` of the build."""

    def run(self) -> None:
        """Copy the package as usual, then build the site next to it."""
        super().run()
        if self.editable_mode or not (ROOT / "mkdocs.yml").is_file():
            return  # editable installs use scripts/build-docs-site; an sdist without docs has none
        command = mkdocs_command()
        if command is None:
            # Only a build without isolation lacks the build requirements (the Dockerfile's).
            print("warning: mkdocs is missing; this build has no docs at /docs", file=sys.stderr)
            return
        target = Path(self.build_lib) / "harbor" / "docs_site"
        subprocess.run(  # noqa: S603 (a fixed command line of our own)
            [*command, "build", "--strict", "--quiet", "--clean",
             "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(target.resolve())],
            cwd=ROOT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            check=True,
        )  # fmt: skip


def mkdocs_command() -> list[str] | None:
    """How to run mkdocs: ``HARBOR_MKDOCS`` (an executable kept out of the target
    environment, as the Dockerfile may do), else the building interpreter's own mkdocs."""
    if os.environ.get("HARBOR_MKDOCS"):
        return [os.environ["HARBOR_MKDOCS"]]
    if importlib.util.find_spec("mkdocs") is not None:
        return [sys.executable, "-m", "mkdocs"]
    return None


setup(cmdclass={"build_py": BuildPyWithDocs})
