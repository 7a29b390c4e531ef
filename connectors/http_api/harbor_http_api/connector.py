"""The ``http_api`` connector: named requests to one HTTP API, credentials kept on the node.

This release is the skeleton: the connector is registered, described and configurable, and
its port config schema is final; ``execute`` arrives with the action kinds in a later release
(until then the base class raises ``NotImplementedError``).
"""

from __future__ import annotations

from harbor.connector import Connector, JSONSchema

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
HEADER_NAME_PATTERN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
HOST_PATTERN = r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"


def _auth_variant(kind: str, title: str, properties: JSONSchema, required: list[str]) -> JSONSchema:
    return {
        "title": title,
        "type": "object",
        "properties": {"type": {"const": kind}, **properties},
        "required": ["type", *required],
        "additionalProperties": False,
    }


def _secret_required_when(kind: str, secret: str) -> JSONSchema:
    """``secret`` must be set when ``auth.type`` is ``kind``."""
    return {
        "if": {
            "properties": {"auth": {"properties": {"type": {"const": kind}}}},
            "required": ["auth"],
        },
        "then": {"required": [secret]},
    }


AUTH_SCHEMA: JSONSchema = {
    "description": "How requests authenticate. The key material itself is kept in the "
    "secret fields bearer_token, basic_password and api_key.",
    "default": {"type": "none"},
    "oneOf": [
        _auth_variant("none", "No authentication", {}, []),
        _auth_variant("bearer", "Bearer token (Authorization: Bearer <bearer_token>)", {}, []),
        _auth_variant(
            "basic",
            "HTTP Basic (username here, password in basic_password)",
            {"username": {"type": "string", "minLength": 1}},
            ["username"],
        ),
        _auth_variant(
            "api_key",
            "API key sent in a header or a query parameter (value in api_key)",
            {
                "in": {"enum": ["header", "query"], "default": "header"},
                "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "description": "Header or query parameter name, e.g. X-API-Key",
                },
            },
            ["name"],
        ),
    ],
}

CONFIG_SCHEMA: JSONSchema = {
    "$schema": SCHEMA_DIALECT,
    "title": "HTTP API port",
    "type": "object",
    "properties": {
        "base_url": {
            "type": "string",
            "format": "uri",
            "pattern": "^https?://",
            "description": "Root URL every action's path is resolved against, "
            "e.g. https://api.example.com/v1",
        },
        "auth": AUTH_SCHEMA,
        "bearer_token": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "description": "The token for auth type bearer",
        },
        "basic_password": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "description": "The password for auth type basic",
        },
        "api_key": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "description": "The key for auth type api_key",
        },
        "default_headers": {
            "type": "object",
            "propertyNames": {"pattern": HEADER_NAME_PATTERN},
            "additionalProperties": {"type": "string", "maxLength": 8192},
            "default": {},
            "description": "Headers sent with every request. They are not secret and are "
            "shown in the UI: put credentials in auth, never here",
        },
        "allowed_hosts": {
            "type": "array",
            "items": {"type": "string", "pattern": HOST_PATTERN},
            "uniqueItems": True,
            "default": [],
            "description": "Host names this port may reach besides the host of base_url "
            "(for redirects or absolute URLs); '*.example.com' allows sub-domains",
        },
        "allow_private_network": {
            "type": "boolean",
            "default": False,
            "description": "Allow private, loopback and link-local addresses (a service on "
            "your LAN). Refused unless set",
        },
        "timeout_seconds": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 300,
            "default": 30,
            "description": "Time allowed for one outside request",
        },
        "max_response_bytes": {
            "type": "integer",
            "minimum": 1024,
            "maximum": 104_857_600,
            "default": 10_485_760,
            "description": "Largest response body accepted; larger answers fail the call",
        },
    },
    "required": ["base_url"],
    "additionalProperties": False,
    "allOf": [
        _secret_required_when("bearer", "bearer_token"),
        _secret_required_when("basic", "basic_password"),
        _secret_required_when("api_key", "api_key"),
    ],
}


class HttpApiConnector(Connector):
    """Any HTTP API: each action is a request template on the port's base URL."""

    type = "http_api"
    title = "HTTP API"
    description = (
        "Call any HTTP API through named actions. The node adds the credentials, so agents "
        "never see them, and only the hosts you allow can be reached."
    )
    config_schema = CONFIG_SCHEMA
