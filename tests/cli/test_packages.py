"""``harbor install`` and ``uninstall`` run real pip on a local wheel, never the network.

pip installs into a throwaway virtual environment (pip's ``--python``) so the test leaves
Harbor's own environment alone; ``PIP_NO_INDEX`` keeps pip off every package index.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from harbor.cli import packages

NAME = "harbor_tiny_plugin"


def build_wheel(folder: Path) -> Path:
    """A minimal pure-Python wheel with a ``harbor`` entry point, written by hand."""
    dist_info = f"{NAME}-0.1.0.dist-info"
    files = {
        f"{NAME}/__init__.py": '"""A plugin for the install test."""\n',
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: 0.1.0\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{dist_info}/entry_points.txt": f"[harbor]\ntiny = {NAME}\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    wheel = folder / f"{NAME}-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.fixture
def target_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bare virtual environment that ``harbor install`` targets instead of Harbor's own."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    monkeypatch.setattr(
        packages, "pip_command", lambda: [sys.executable, "-m", "pip", "--python", str(python)]
    )
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    return env


def installed(env: Path) -> bool:
    """Whether the test distribution is in the environment."""
    return any(env.glob(f"lib/python*/site-packages/{NAME}-0.1.0.dist-info"))


def test_install_and_uninstall_a_local_wheel(harbor_cli, target_env, tmp_path):
    wheel = build_wheel(tmp_path)
    done = harbor_cli("install", str(wheel))
    assert done.exit_code == 0, done.stderr
    assert f"Successfully installed {NAME.replace('_', '-')}-0.1.0" in done.stdout
    assert "restart Harbor" in done.stdout
    assert installed(target_env)

    removed = harbor_cli("uninstall", NAME, "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert f"uninstalled {NAME}" in removed.stdout
    assert not installed(target_env)


def test_a_failing_pip_is_one_error_line(harbor_cli, target_env):
    missing = harbor_cli("install", "harbor-no-such-connector")
    assert missing.exit_code == 1
    assert missing.stderr.splitlines()[-1].startswith("error: pip failed (exit 1)")
    gone = harbor_cli("uninstall", "harbor-no-such-connector", "-y")
    assert gone.exit_code == 1
    assert gone.stderr.splitlines()[-1] == "error: harbor-no-such-connector is not installed"


def test_uninstall_asks_first(harbor_cli, target_env):
    declined = harbor_cli("uninstall", NAME, input="n\n")
    assert declined.exit_code == 1
    assert "uninstall" in declined.stdout


def test_pip_is_harbors_own_interpreter():
    assert packages.pip_command() == [sys.executable, "-m", "pip"]
