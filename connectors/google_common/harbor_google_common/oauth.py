"""What every Google connector's port has in common: Google's OAuth endpoints and the
connection part of the config schema (the operator's OAuth client, endpoint overrides for
tests, the hosts the port may reach)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harbor.connector import JSONSchema, OAuthMetadata

GOOGLE_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_REVOKE_URL = "https://oauth2.googleapis.com/revoke"
HOST_PATTERN = r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"
URL: JSONSchema = {"type": "string", "format": "uri", "pattern": "^https?://"}
HOSTS: JSONSchema = {
    "type": "array",
    "items": {"type": "string", "pattern": HOST_PATTERN},
    "uniqueItems": True,
}


def google_oauth(
    kind_scopes: Mapping[str, tuple[str, ...]], fallback_scopes: tuple[str, ...]
) -> OAuthMetadata:
    """Google's endpoints, offline access (a refresh token) and the 7-day "Testing" limit."""
    return OAuthMetadata(
        authorize_url=GOOGLE_AUTHORIZE_URL,
        token_url=GOOGLE_TOKEN_URL,
        revoke_url=GOOGLE_REVOKE_URL,
        kind_scopes=dict(kind_scopes),
        fallback_scopes=fallback_scopes,
        authorize_params={"access_type": "offline", "prompt": "consent"},
        refresh_token_lifetime_days=7,
    )


def connection_properties(api_title: str, default_api_base_url: str) -> dict[str, Any]:
    """Config schema properties every Google port has; ``client_id`` and ``client_secret``
    belong in the schema's ``required``."""
    return {
        "client_id": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "description": "Client ID of your Google OAuth client (Desktop app)",
        },
        "client_secret": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "description": "Client secret of your Google OAuth client",
        },
        "api_base_url": {
            **URL,
            "default": default_api_base_url,
            "description": f"{api_title} root (change only for tests)",
        },
        "oauth_authorize_url": {**URL, "description": "Authorization endpoint (tests only)"},
        "oauth_token_url": {**URL, "description": "Token endpoint (tests only)"},
        "oauth_revoke_url": {**URL, "description": "Revocation endpoint (tests only)"},
        "allowed_hosts": {
            **HOSTS,
            "description": "When set, the complete list of hosts this port may contact",
        },
        "allow_private_hosts": {
            **HOSTS,
            "description": "Hosts that may resolve to private or loopback addresses (tests)",
        },
    }
