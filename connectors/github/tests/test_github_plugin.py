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
        {"token": "github_pat_x", "repositories": ["acme/website"]},
        {
            "token": "github_pat_x",
            "api_base_url": "https://github.example.com/api/v3",
            "repositories": ["acme/website", "acme-labs/*", "octo/.github"],
            "allowed_hosts": ["github.example.com"],
            "allow_private_hosts": ["github.example.com", "127.0.0.1"],
        },
    ],
)
def test_github_config_schema_accepts_typical_ports(config):
    assert config_errors(config) == []


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"token": "t"},
        {"token": "t", "repositories": []},
        {"token": "", "repositories": ["acme/a"]},
        {"token": "t", "repositories": ["acme/a"], "api_base_url": "github.com"},
        {"token": "t", "repositories": ["website"]},
        {"token": "t", "repositories": ["acme/web site"]},
        {"token": "t", "repositories": ["acme/a", "acme/a"]},
        {"token": "t", "repositories": ["acme/a"], "organisation": "acme"},
        {"token": "t", "repositories": ["acme/a"], "allowed_hosts": ["http://x"]},
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


EXPECTED_KINDS = {
    "get_repository": ("read", True),
    "list_issues": ("read", True),
    "get_issue": ("read", True),
    "create_issue": ("write", False),
    "comment_on_issue": ("write", False),
    "add_labels": ("write", True),
    "set_issue_state": ("write", True),
    "list_pull_requests": ("read", True),
    "get_pull_request": ("read", True),
    "list_workflow_runs": ("read", True),
}


def test_github_action_kinds_have_their_risk_and_idempotence():
    kinds = GitHubConnector.action_kinds
    assert set(kinds) == set(EXPECTED_KINDS)
    for name, (risk, idempotent) in EXPECTED_KINDS.items():
        assert kinds[name].default_risk == risk, name
        assert kinds[name].idempotent is idempotent, name
        assert kinds[name].description, name
        Draft202012Validator.check_schema(kinds[name].definition_schema)


def test_only_listing_kinds_take_max_pages():
    kinds = GitHubConnector.action_kinds
    accepts = Draft202012Validator(kinds["list_issues"].definition_schema)
    assert list(accepts.iter_errors({"max_pages": 3})) == []
    assert list(accepts.iter_errors({"max_pages": 0})) != []
    refuses = Draft202012Validator(kinds["get_issue"].definition_schema)
    assert list(refuses.iter_errors({"max_pages": 3})) != []


def test_there_is_one_template_per_action_kind_with_a_valid_input_schema():
    templates = {t.name: t for t in GitHubConnector.templates}
    assert set(templates) == set(EXPECTED_KINDS)
    for name, template in templates.items():
        assert template.kind == name
        assert template.risk == EXPECTED_KINDS[name][0]
        assert template.description
        Draft202012Validator.check_schema(template.input_schema)
        assert template.input_schema["required"][:2] == ["owner", "repo"]
        definition_errors = Draft202012Validator(
            GitHubConnector.action_kinds[name].definition_schema
        ).iter_errors(template.definition)
        assert list(definition_errors) == []
        GitHubConnector().validate_definition(name, template.definition)


def test_template_input_schemas_refuse_bad_arguments():
    templates = {t.name: t for t in GitHubConnector.templates}
    issue = Draft202012Validator(templates["get_issue"].input_schema)
    assert list(issue.iter_errors({"owner": "octo", "repo": "r", "issue_number": 1})) == []
    assert list(issue.iter_errors({"owner": "octo", "repo": "r"})) != []
    assert list(issue.iter_errors({"owner": "../x", "repo": "r", "issue_number": 1})) != []
    labels = Draft202012Validator(templates["add_labels"].input_schema)
    assert list(labels.iter_errors({"owner": "o", "repo": "r", "issue_number": 1, "labels": []}))
