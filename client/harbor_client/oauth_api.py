"""OAuth connections of ports: the public shapes, and helpers over any Harbor client.

The operator starts a connect (``POST /api/v1/ports/{port}/oauth/connect``), opens the
returned URL in a browser, and the node finishes on its ``/oauth/callback``. Token values
never appear in any of these shapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, Field


class OAuthConnectStart(BaseModel):
    """A connect in progress: open ``authorization_url`` in a browser before ``expires_at``."""

    port: str
    authorization_url: str
    redirect_uri: str
    scopes: list[str]
    expires_at: datetime


class OAuthStatus(BaseModel):
    """What may be shown about a port's OAuth connection (never a token)."""

    port: str
    connected: bool = Field(description="Whether the node holds an access token for the port")
    needs_reconnect: bool = Field(
        description="The provider rejected the tokens (revoked, expired refresh token)"
    )
    scopes: list[str] = Field(default_factory=list, description="Scopes the provider granted")
    required_scopes: list[str] = Field(
        default_factory=list, description="Scopes the port's published actions need"
    )
    missing_scopes: list[str] = Field(
        default_factory=list, description="Required scopes not granted: reconnect to add them"
    )
    has_refresh_token: bool = False
    connected_at: datetime | None = None
    refreshed_at: datetime | None = Field(None, description="When the token was last refreshed")
    expires_at: datetime | None = Field(None, description="When the access token expires")
    warnings: list[str] = Field(default_factory=list)


class OAuthDisconnected(BaseModel):
    """The outcome of a disconnect: tokens deleted locally, revoked at the provider or not."""

    port: str
    revoked_at_provider: bool
    message: str = ""


class _Requests(Protocol):
    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...


def start_connect(client: _Requests, port: str) -> OAuthConnectStart:
    """Start connecting ``port``; returns the URL the operator opens in a browser."""
    response = client.request("POST", f"/api/v1/ports/{port}/oauth/connect")
    return OAuthConnectStart.model_validate(response.json())


def oauth_status(client: _Requests, port: str) -> OAuthStatus:
    """The OAuth connection of ``port``: connected, scopes, last refresh, warnings."""
    response = client.request("GET", f"/api/v1/ports/{port}/oauth")
    return OAuthStatus.model_validate(response.json())


def disconnect(client: _Requests, port: str) -> OAuthDisconnected:
    """Revoke the port's token at the provider (when reachable) and delete it on the node."""
    response = client.request("POST", f"/api/v1/ports/{port}/oauth/disconnect")
    return OAuthDisconnected.model_validate(response.json())


__all__ = [
    "OAuthConnectStart",
    "OAuthDisconnected",
    "OAuthStatus",
    "disconnect",
    "oauth_status",
    "start_connect",
]
