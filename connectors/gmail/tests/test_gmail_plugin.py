"""harbor-gmail is loaded through its entry point, describes its config, and asks narrow scopes."""

from __future__ import annotations

import ast
from pathlib import Path

import harbor_gmail
from harbor_gmail import GmailConnector
from harbor_gmail.actions import ACTION_KINDS, KIND_SCOPES, READONLY, SEND
from jsonschema import Draft202012Validator

ALLOWED_HARBOR_MODULES = {"harbor.connector", "harbor.hookspecs", "harbor.contracts"}


def test_gmail_connector_is_loaded_through_its_entry_point(harbor_node):
    assert isinstance(harbor_node.connectors["gmail"], GmailConnector)
    record = harbor_node.plugins.records["gmail"]
    assert record.distribution == "harbor-gmail"
    assert record.loaded
    assert record.connectors == ["gmail"]


def test_the_config_schema_is_valid_and_marks_the_oauth_client_secret():
    Draft202012Validator.check_schema(GmailConnector.config_schema)
    assert GmailConnector.secret_fields() == ["client_id", "client_secret"]
    assert GmailConnector.required_secrets() == ["client_id", "client_secret"]


def test_every_kind_has_a_scope_and_templates_use_known_kinds():
    assert set(KIND_SCOPES) == set(ACTION_KINDS)
    for template in GmailConnector.templates:
        assert template.kind in ACTION_KINDS
        Draft202012Validator.check_schema(template.input_schema)
        Draft202012Validator(ACTION_KINDS[template.kind].definition_schema).validate(
            template.definition
        )
    risks = {t.name: t.risk for t in GmailConnector.templates}
    assert risks["send_message"] == "write"
    assert risks["trash_message"] == "destructive"


def test_a_port_asks_only_for_the_scopes_of_its_published_kinds():
    oauth = GmailConnector.oauth
    assert oauth is not None
    assert oauth.scopes_for([]) == [READONLY]  # before anything is published
    assert oauth.scopes_for(["list_messages", "get_message"]) == [READONLY]
    assert oauth.scopes_for(["send_message"]) == [SEND]
    assert oauth.authorize_params == {"access_type": "offline", "prompt": "consent"}


def test_the_package_imports_only_the_connector_api_of_harbor():
    for path in Path(harbor_gmail.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("harbor.")
            ):
                assert node.module in ALLOWED_HARBOR_MODULES, f"{path.name}: {node.module}"
