"""compose.yaml stays consistent with the image and the settings (no Compose runs here: the
image itself is exercised by test_image.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from harbor.settings import ENV_PREFIX, Settings
from tests.container.conftest import REPO_ROOT

#: Variables the node reads besides its settings.
EXTRA_VARIABLES = {"HARBOR_ADMIN_PASSWORD", "HARBOR_ADMIN_PASSWORD_FILE"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """compose.yaml, parsed."""
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
    return loaded


def seconds(duration: str) -> float:
    """A Compose duration such as ``40s`` or ``1m30s`` in seconds."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+(?:\.\d+)?)([hms])", duration)
    assert parts, duration
    return sum(float(value) * units[unit] for value, unit in parts)


def test_the_node_is_published_on_loopback_only(compose):
    assert compose["services"]["harbor"]["ports"] == ["127.0.0.1:8765:8765"]


def test_the_data_lives_in_a_named_volume(compose):
    harbor = compose["services"]["harbor"]
    assert "harbor-data:/data" in harbor["volumes"]
    assert "harbor-data" in compose["volumes"]


def test_the_password_file_is_the_mounted_secret(compose):
    harbor = compose["services"]["harbor"]
    (secret,) = harbor["secrets"]
    assert harbor["environment"]["HARBOR_ADMIN_PASSWORD_FILE"] == f"/run/secrets/{secret}"
    assert compose["secrets"][secret]["file"].startswith("./secrets/")


def test_every_harbor_variable_is_a_real_setting(compose):
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields} | EXTRA_VARIABLES
    for service in compose["services"].values():
        for name in service.get("environment", {}):
            if name.startswith(ENV_PREFIX):
                assert name in known, f"{name} in compose.yaml is not a Harbor setting"


def test_calls_in_flight_have_time_to_finish_before_the_kill(compose):
    grace = seconds(compose["services"]["harbor"]["stop_grace_period"])
    assert grace > Settings().call_timeout_seconds


def test_postgresql_is_optional(compose):
    postgres = compose["services"]["postgres"]
    assert postgres["profiles"] == ["postgres"]
    assert compose["services"]["harbor"]["depends_on"]["postgres"]["required"] is False
