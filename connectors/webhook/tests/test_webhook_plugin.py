"""harbor-webhook is loaded through its entry point and describes its port config."""

from __future__ import annotations

import ast
from pathlib import Path

import harbor_webhook
import pytest
from harbor_webhook import WebhookConnector
from jsonschema import Draft202012Validator

ALLOWED_HARBOR_MODULES = {"harbor.connector", "harbor.hookspecs", "harbor.contracts"}


def config_errors(config: dict) -> list[str]:
    """Why ``config`` is not a valid port config (empty when it is)."""
    validator = Draft202012Validator(WebhookConnector.config_schema)
    return [error.message for error in validator.iter_errors(config)]


def test_webhook_connector_is_loaded_through_its_entry_point(harbor_node):
    assert isinstance(harbor_node.connectors["webhook"], WebhookConnector)
    record = harbor_node.plugins.records["webhook"]
    assert record.distribution == "harbor-webhook"
    assert record.version == "0.1.0"
    assert record.loaded
    assert record.connectors == ["webhook"]


def test_health_lists_the_webhook_plugin_as_loaded(anon_client):
    plugins = anon_client.get("/api/v1/health").json()["plugins"]
    assert "webhook" in plugins["loaded"]
    assert "webhook" not in plugins["failed"]


def test_operator_sees_the_webhook_distribution_and_connector(operator_client):
    plugins = {p["name"]: p for p in operator_client.get("/api/v1/plugins").json()}
    assert plugins["webhook"]["distribution"] == "harbor-webhook"
    assert plugins["webhook"]["status"] == "loaded"
    assert plugins["webhook"]["connectors"] == ["webhook"]


def test_webhook_describes_itself():
    assert WebhookConnector.type == "webhook"
    assert WebhookConnector.title == "Webhook"
    assert WebhookConnector.description


def test_webhook_secret_fields_are_exactly_the_expected_ones():
    assert WebhookConnector.secret_fields() == ["url", "signing_secret", "inbound_secret"]
    # A port may only send, only receive, or both: no one secret is required.
    assert WebhookConnector.required_secrets() == []


def test_webhook_config_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(WebhookConnector.config_schema)


@pytest.mark.parametrize(
    "config",
    [
        {"url": "https://hooks.example.com/T0/abc"},
        {
            "url": "http://n8n.lan:5678/webhook/harbor",
            "signing_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "timeout_seconds": 5,
        },
        {},
        {"inbound_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
        {
            "notify_approvals": True,
            "allowed_hosts": ["hooks.example.com"],
            "allow_private_hosts": ["127.0.0.1"],
        },
    ],
)
def test_webhook_config_schema_accepts_typical_ports(config):
    assert config_errors(config) == []


@pytest.mark.parametrize(
    "config",
    [
        {"url": "mailto:ops@example.com"},
        {"notify_approvals": "yes"},
        {"allowed_hosts": ["bad host"]},
        {"url": "https://hooks.example.com/x", "signing_secret": "not-a-standard-secret"},
        {"url": "https://hooks.example.com/x", "timeout_seconds": 600},
        {"url": "https://hooks.example.com/x", "headers": {}},
    ],
)
def test_webhook_config_schema_rejects_bad_ports(config):
    assert config_errors(config) != []


def test_webhook_package_imports_only_the_connector_api():
    package_dir = Path(harbor_webhook.__file__).parent
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


def test_webhook_offers_send_event_and_its_templates():
    kind = WebhookConnector.action_kinds["send_event"]
    assert kind.default_risk == "write"
    Draft202012Validator.check_schema(kind.definition_schema)
    definitions = Draft202012Validator(kind.definition_schema)
    names = [template.name for template in WebhookConnector.templates]
    assert names == ["notify", "send_event", "post_text"]
    for template in WebhookConnector.templates:
        assert template.kind == "send_event"
        assert definitions.is_valid(template.definition), template.name
        Draft202012Validator.check_schema(template.input_schema)
    notify = Draft202012Validator(WebhookConnector.templates[0].input_schema)
    assert notify.is_valid({"message": "disk full", "severity": "critical"})
    assert not notify.is_valid({"severity": "info"})


def test_webhook_receives_events_and_notifies_approvals():
    assert WebhookConnector.receives_events()
    assert WebhookConnector.notifies_approvals()
