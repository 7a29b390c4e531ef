"""The ``github`` connector: the GitHub REST API with a token kept on the node.

This release is the skeleton: the connector is registered, described and configurable, and
its port config schema is final; ``execute`` arrives with the action kinds in a later release
(until then the base class raises ``NotImplementedError``).
"""

from __future__ import annotations

from harbor.connector import Connector, JSONSchema

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_API_BASE_URL = "https://api.github.com"
#: ``owner/name``, or ``owner/*`` for every repository of an owner.
REPOSITORY_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/(\*|[A-Za-z0-9._-]{1,100})$"

CONFIG_SCHEMA: JSONSchema = {
    "$schema": SCHEMA_DIALECT,
    "title": "GitHub port",
    "type": "object",
    "properties": {
        "token": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "description": "A fine-grained personal access token (github_pat_...) or another "
            "token the REST API accepts; give it only the permissions your actions need",
        },
        "api_base_url": {
            "type": "string",
            "format": "uri",
            "pattern": "^https?://",
            "default": DEFAULT_API_BASE_URL,
            "description": "REST API root; for GitHub Enterprise Server use https://HOST/api/v3",
        },
        "repositories": {
            "type": "array",
            "items": {"type": "string", "pattern": REPOSITORY_PATTERN},
            "uniqueItems": True,
            "description": "Allow-list of repositories actions on this port may touch, as "
            "owner/name or owner/* (every repository of that owner). When absent, the "
            "token's own access is the only limit",
        },
    },
    "required": ["token"],
    "additionalProperties": False,
}


class GitHubConnector(Connector):
    """GitHub (or GitHub Enterprise Server) through its REST API."""

    type = "github"
    title = "GitHub"
    description = (
        "Work with GitHub issues, pull requests and repositories. The token stays on the "
        "node, and an allow-list limits which repositories a port can reach."
    )
    config_schema = CONFIG_SCHEMA
