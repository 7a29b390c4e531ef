"""harbor-http-api is loaded through its entry point and describes its port config."""

from __future__ import annotations

import ast
from pathlib import Path

import harbor_http_api
import pytest
from harbor_http_api import HttpApiConnector
from jsonschema import Draft202012Validator

ALLOWED_HARBOR_MODULES = {"harbor.connector", "harbor.hookspecs", "harbor.contracts"}


def config_errors(config: dict) -> list[str]:
    """Why ``config`` is not a valid port config (empty when it is)."""
    validator = Draft202012Validator(HttpApiConnector.config_schema)
    return [error.message for error in validator.iter_errors(config)]


def test_http_api_connector_is_loaded_through_its_entry_point(harbor_node):
    assert isinstance(harbor_node.connectors["http_api"], HttpApiConnector)
    record = harbor_node.plugins.records["http_api"]
    assert record.distribution == "harbor-http-api"
    assert record.version == "0.1.0"
    assert record.loaded
    assert record.connectors == ["http_api"]


def test_health_lists_the_http_api_plugin_as_loaded(anon_client):
    plugins = anon_client.get("/api/v1/health").json()["plugins"]
    assert "http_api" in plugins["loaded"]
    assert "http_api" not in plugins["failed"]


def test_operator_sees_the_http_api_distribution_and_connector(operator_client):
    plugins = {p["name"]: p for p in operator_client.get("/api/v1/plugins").json()}
    assert plugins["http_api"]["distribution"] == "harbor-http-api"
    assert plugins["http_api"]["status"] == "loaded"
    assert plugins["http_api"]["connectors"] == ["http_api"]


def test_http_api_describes_itself():
    assert HttpApiConnector.type == "http_api"
    assert HttpApiConnector.title == "HTTP API"
    assert HttpApiConnector.description


def test_http_api_secret_fields_are_exactly_the_expected_ones():
    assert HttpApiConnector.secret_fields() == ["bearer_token", "basic_password", "api_key"]
    assert HttpApiConnector.required_secrets() == []


def test_http_api_config_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(HttpApiConnector.config_schema)


@pytest.mark.parametrize(
    "config",
    [
        {"base_url": "https://api.example.com/v1"},
        {"base_url": "https://api.example.com", "auth": {"type": "none"}},
        {
            "base_url": "https://api.example.com",
            "auth": {"type": "bearer"},
            "bearer_token": "t0ken",
            "default_headers": {"Accept": "application/json"},
            "allowed_hosts": ["uploads.example.com", "*.cdn.example.com"],
            "timeout_seconds": 12.5,
            "max_response_bytes": 2_000_000,
        },
        {
            "base_url": "http://homeassistant.lan:8123/api",
            "auth": {"type": "basic", "username": "harbor"},
            "basic_password": "pw",
            "allow_private_hosts": ["homeassistant.lan"],
        },
        {"base_url": "https://api.example.com", "auth": {"type": "bearer"}},
        {
            "base_url": "https://api.example.com",
            "auth": {"type": "api_key", "in": "query", "name": "key"},
            "api_key": "k",
        },
    ],
)
def test_http_api_config_schema_accepts_typical_ports(config):
    assert config_errors(config) == []


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"base_url": "ftp://files.example.com"},
        {"base_url": "https://api.example.com", "auth": {"type": "oauth"}},
        {"base_url": "https://api.example.com", "auth": {"type": "basic"}, "basic_password": "p"},
        {
            "base_url": "https://api.example.com",
            "auth": {"type": "api_key", "in": "cookie", "name": "k"},
            "api_key": "k",
        },
        {"base_url": "https://api.example.com", "default_headers": {"Bad Header": "x"}},
        {"base_url": "https://api.example.com", "allowed_hosts": ["https://evil.example"]},
        {"base_url": "https://api.example.com", "allow_private_hosts": ["http://lan/"]},
        {"base_url": "https://api.example.com", "allow_private_network": True},
        {"base_url": "https://api.example.com", "timeout_seconds": 0},
        {"base_url": "https://api.example.com", "max_response_bytes": 10},
        {"base_url": "https://api.example.com", "password": "unknown field"},
    ],
)
def test_http_api_config_schema_rejects_bad_ports(config):
    assert config_errors(config) != []


def test_http_api_package_imports_only_the_connector_api():
    package_dir = Path(harbor_http_api.__file__).parent
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


def test_http_api_has_one_request_kind_that_is_not_idempotent():
    kind = HttpApiConnector.action_kinds["request"]
    assert list(HttpApiConnector.action_kinds) == ["request"]
    assert kind.idempotent is False
    Draft202012Validator.check_schema(kind.definition_schema)


def test_http_api_templates_are_valid_actions():
    connector = HttpApiConnector()
    kind = HttpApiConnector.action_kinds["request"]
    assert {t.name for t in HttpApiConnector.templates} == {"get_json", "post_json"}
    for template in HttpApiConnector.templates:
        assert template.kind == "request"
        assert template.description
        Draft202012Validator.check_schema(template.input_schema)
        assert (
            list(Draft202012Validator(kind.definition_schema).iter_errors(template.definition))
            == []
        )
        connector.validate_definition("request", template.definition)


def test_a_port_with_auth_can_be_created_before_its_secret_is_set(operator_client):
    created = operator_client.post(
        "/api/v1/ports",
        json={
            "name": "api",
            "connector": "http_api",
            "config": {"base_url": "https://api.example.com", "auth": {"type": "bearer"}},
        },
    )
    assert created.status_code == 201, created.text
