"""The ``http_api`` connector: named requests to one HTTP API, credentials kept on the node.

A port is one API: its base URL, how it authenticates, and where the core lets it connect
(``allowed_hosts``, ``allow_private_hosts``). Each action is one ``request`` definition
(:mod:`harbor_http_api.actions`); :mod:`harbor_http_api.api` builds, sends and maps it.
"""

from __future__ import annotations

from typing import Any

import httpx

from harbor.connector import (
    AuthFailed,
    CallContext,
    CheckResult,
    Connector,
    ConnectorError,
    InvalidDefinition,
    JSONSchema,
)
from harbor_http_api import api
from harbor_http_api.actions import HEADER_NAME_PATTERN, REQUEST_KIND, validate_request_definition
from harbor_http_api.templates import TEMPLATES

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
HOST_PATTERN = r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"


def _auth_variant(kind: str, title: str, properties: JSONSchema, required: list[str]) -> JSONSchema:
    return {
        "title": title,
        "type": "object",
        "properties": {"type": {"const": kind}, **properties},
        "required": ["type", *required],
        "additionalProperties": False,
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
            "description": "When set, the COMPLETE list of hosts this port may contact, "
            "enforced by the node: include the host of base_url. '*.example.com' allows "
            "sub-domains. Unset: any public host",
        },
        "allow_private_hosts": {
            "type": "array",
            "items": {"type": "string", "pattern": HOST_PATTERN},
            "uniqueItems": True,
            "description": "Hosts that may resolve to private, loopback or link-local "
            "addresses (a service on your LAN, 127.0.0.1). Without it the node refuses them; "
            "cloud metadata addresses stay refused",
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
            "description": "Largest response body read (the node caps at 10 MiB by "
            "default); a larger JSON answer fails the call, a larger text answer is cut",
        },
    },
    "required": ["base_url"],
    "additionalProperties": False,
    # Which secret is needed depends on auth.type; the node validates a port's config without
    # its secrets, so the connector names a missing one when a call needs it.
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
    action_kinds = {"request": REQUEST_KIND}
    templates = TEMPLATES

    def validate_definition(self, kind: str, definition: dict[str, Any]) -> None:
        """Check a ``request`` definition beyond its schema (placeholders, path, body)."""
        if kind != "request":
            raise InvalidDefinition(f"the http_api connector has no action kind {kind!r}")
        validate_request_definition(definition)

    async def execute(
        self, ctx: CallContext, definition: dict[str, Any], arguments: dict[str, Any]
    ) -> Any:
        """Send the action's request and return the (shaped) answer."""
        if ctx.kind not in (None, "request"):
            raise ConnectorError(f"the http_api connector has no action kind {ctx.kind!r}")
        request = api.build_request(ctx.config, ctx.secrets, definition, arguments, ctx.port)
        response_spec = definition.get("response", {})
        max_bytes = min(
            int(ctx.config.get("max_response_bytes", api.DEFAULT_MAX_RESPONSE_BYTES)),
            int(response_spec.get("max_bytes", api.DEFAULT_MAX_RESPONSE_BYTES * 10)),
        )
        answer = await api.send(ctx, request, max_bytes)
        if not api.is_accepted(answer.status, definition.get("accept_status")):
            api.raise_for_answer(answer, request)
        return api.shape_result(answer, response_spec.get("pick"), max_bytes, request.url.host)

    async def check(self, ctx: CallContext) -> CheckResult:
        """GET the base URL: fine unless unreachable or the credentials are refused."""
        request = api.OutgoingRequest(method="GET", url=httpx.URL(ctx.config["base_url"]))
        request.headers.update(ctx.config.get("default_headers", {}))
        try:
            api.apply_auth(request, ctx.config, ctx.secrets, ctx.port)
            answer = await api.send(ctx, request, max_bytes=4096)
        except AuthFailed:
            raise
        except ConnectorError as err:
            return CheckResult(ok=False, message=err.message)
        if answer.status == 401:
            raise AuthFailed(
                f"{request.url.host} answered 401: the service rejected the port's credentials",
                status=401,
            )
        if answer.status == 403:
            return CheckResult(
                ok=False, message=f"{request.url.host} answered 403: access is forbidden"
            )
        return CheckResult(ok=True, message=f"{request.url.host} answered {answer.status}")
