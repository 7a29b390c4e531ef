"""harbor-discord is loaded through its entry point and describes its port config."""

from __future__ import annotations

import ast
from pathlib import Path

import harbor_discord
import pytest
from harbor_discord import DiscordConnector
from jsonschema import Draft202012Validator

ALLOWED_HARBOR_MODULES = {"harbor.connector", "harbor.hookspecs", "harbor.contracts"}


def config_errors(config: dict) -> list[str]:
    """Why ``config`` is not a valid port config (empty when it is)."""
    validator = Draft202012Validator(DiscordConnector.config_schema)
    return [error.message for error in validator.iter_errors(config)]


def test_discord_connector_is_loaded_through_its_entry_point(harbor_node):
    assert isinstance(harbor_node.connectors["discord"], DiscordConnector)
    record = harbor_node.plugins.records["discord"]
    assert record.distribution == "harbor-discord"
    assert record.version == "0.1.0"
    assert record.loaded
    assert record.connectors == ["discord"]


def test_health_lists_the_discord_plugin_as_loaded(anon_client):
    plugins = anon_client.get("/api/v1/health").json()["plugins"]
    assert "discord" in plugins["loaded"]
    assert "discord" not in plugins["failed"]


def test_operator_sees_the_discord_distribution_and_connector(operator_client):
    plugins = {p["name"]: p for p in operator_client.get("/api/v1/plugins").json()}
    assert plugins["discord"]["distribution"] == "harbor-discord"
    assert plugins["discord"]["status"] == "loaded"
    assert plugins["discord"]["connectors"] == ["discord"]


def test_discord_describes_itself():
    assert DiscordConnector.type == "discord"
    assert DiscordConnector.title == "Discord"
    assert DiscordConnector.description


def test_discord_secret_fields_are_exactly_the_expected_ones():
    assert DiscordConnector.secret_fields() == ["webhook_url"]
    assert DiscordConnector.required_secrets() == ["webhook_url"]


def test_discord_config_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(DiscordConnector.config_schema)


@pytest.mark.parametrize(
    "config",
    [
        {"webhook_url": "https://discord.com/api/webhooks/123456789012345678/AbC-d_E"},
        {
            "webhook_url": "https://canary.discordapp.com/api/webhooks/1/x",
            "username": "Harbor",
            "avatar_url": "https://example.com/harbor.png",
        },
        {
            "webhook_url": "https://discord.com/api/webhooks/1/x",
            "allowed_hosts": ["discord.com"],
            "allow_private_hosts": ["127.0.0.1"],
        },
    ],
)
def test_discord_config_schema_accepts_typical_ports(config):
    assert config_errors(config) == []


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"webhook_url": "https://example.com/api/webhooks/1/x"},
        {"webhook_url": "http://discord.com/api/webhooks/1/x"},
        {"webhook_url": "https://discord.com/api/webhooks/1/x", "username": ""},
        {"webhook_url": "https://discord.com/api/webhooks/1/x", "username": "n" * 81},
        {"webhook_url": "https://discord.com/api/webhooks/1/x", "avatar_url": "http://a.b/c"},
        {"webhook_url": "https://discord.com/api/webhooks/1/x", "channel": "general"},
    ],
)
def test_discord_config_schema_rejects_bad_ports(config):
    assert config_errors(config) != []


def test_discord_package_imports_only_the_connector_api():
    package_dir = Path(harbor_discord.__file__).parent
    for source in package_dir.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name == "harbor" or name.startswith("harbor."):
                    assert name in ALLOWED_HARBOR_MODULES, f"{source.name} imports {name}"


def test_discord_offers_send_message_and_the_post_message_template():
    kind = DiscordConnector.action_kinds["send_message"]
    assert kind.default_risk == "write"
    assert kind.idempotent is False
    Draft202012Validator.check_schema(kind.definition_schema)
    [template] = DiscordConnector.templates
    assert (template.name, template.kind, template.risk) == (
        "post_message",
        "send_message",
        "write",
    )
    Draft202012Validator.check_schema(template.input_schema)
    validator = Draft202012Validator(template.input_schema)
    assert validator.is_valid({"content": "hi"})
    assert validator.is_valid({"embeds": [{"title": "t"}]})
    assert not validator.is_valid({})
    assert not validator.is_valid({"content": "hi", "channel": "x"})
