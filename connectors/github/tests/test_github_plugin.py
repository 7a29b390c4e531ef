"""harbor-github is loaded through its entry point and describes its port config."""

from __future__ import annotations

import ast
from pathlib import Path

import harbor_github
import pytest
from harbor_github import GitHubConnector
from jsonschema import Draft202012Validator

ALLOWED_HARBOR_MODULES = {"harbor.connector", "harbor.hookspecs", "harbor.contracts"}


def config_errors(config: dict) -> list[str]:
    """Why ``config`` is not a valid port config (empty when it is)."""
    validator = Draft202012Validator(GitHubConnector.config_schema)
    return [error.message for error in validator.iter_errors(config)]


def test_github_connector_is_loaded_through_its_entry_point(harbor_node):
    assert isinstance(harbor_node.connectors["github"], GitHubConnector)
    record = harbor_node.plugins.records["github"]
    assert record.distribution == "harbor-github"
    assert record.version == "0.1.0"
    assert record.loaded
    assert record.connectors == ["github"]


def test_health_lists_the_github_plugin_as_loaded(anon_client):
    plugins = anon_client.get("/api/v1/health").json()["plugins"]
    assert "github" in plugins["loaded"]
    assert "github" not in plugins["failed"]


def test_operator_sees_the_github_distribution_and_connector(operator_client):
    plugins = {p["name"]: p for p in operator_client.get("/api/v1/plugins").json()}
    assert plugins["github"]["distribution"] == "harbor-github"
    assert plugins["github"]["status"] == "loaded"
    assert plugins["github"]["connectors"] == ["github"]


def test_github_describes_itself():
    assert GitHubConnector.type == "github"
    assert GitHubConnector.title == "GitHub"
    assert GitHubConnector.description


def test_github_secret_fields_are_exactly_the_expected_ones():
    assert GitHubConnector.secret_fields() == ["token"]
    assert GitHubConnector.required_secrets() == ["token"]


def test_github_config_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(GitHubConnector.config_schema)


@pytest.mark.parametrize(
    "config",
    [
        {"token": "github_pat_x"},
        {
            "token": "github_pat_x",
            "api_base_url": "https://github.example.com/api/v3",
            "repositories": ["acme/website", "acme-labs/*", "octo/.github"],
        },
    ],
)
def test_github_config_schema_accepts_typical_ports(config):
    assert config_errors(config) == []


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"token": ""},
        {"token": "t", "api_base_url": "github.com"},
        {"token": "t", "repositories": ["website"]},
        {"token": "t", "repositories": ["acme/web site"]},
        {"token": "t", "repositories": ["acme/a", "acme/a"]},
        {"token": "t", "organisation": "acme"},
    ],
)
def test_github_config_schema_rejects_bad_ports(config):
    assert config_errors(config) != []


def test_github_package_imports_only_the_connector_api():
    package_dir = Path(harbor_github.__file__).parent
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
