"""OAuth building blocks: metadata and scopes, token storage, token requests to the provider.

The tokens are port secrets named ``oauth:access_token`` and ``oauth:refresh_token``,
encrypted with the node's key like every other secret (so key rotation, backups and
deleting a port treat them alike); the grant's scopes and expiry are an
``oauth_connection`` row. Every request to the provider goes through the core's outbound
client under the port's outbound policy (the SSRF guard). :mod:`harbor.runtime.oauth`
(connect, status, disconnect) and :mod:`harbor.runtime.oauth_refresh` build on this.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from harbor.connector import Connector, ConnectorError, OAuthMetadata
from harbor.errors import InvalidRequest, PortNotReady
from harbor.node import Node
from harbor.runtime import secrets
from harbor.runtime.outbound import OutboundPolicy, client_for
from harbor.runtime.ports import get_port
from harbor.store.oauth import OAuthConnection
from harbor.store.ports import Action, ActionVersion, Port, PortSecret
from harbor.store.types import utcnow

ACCESS_TOKEN = "oauth:access_token"
REFRESH_TOKEN = "oauth:refresh_token"
TOKEN_SECRETS = (ACCESS_TOKEN, REFRESH_TOKEN)
CALLBACK_PATH = "/oauth/callback"
STATE_TTL = timedelta(minutes=10)
REFRESH_MARGIN = timedelta(seconds=60)
REFRESH_LEASE = timedelta(seconds=30)
LEASE_POLL_SECONDS = 0.1
ENDPOINT_OVERRIDES = {
    "authorize_url": "oauth_authorize_url",
    "token_url": "oauth_token_url",
    "revoke_url": "oauth_revoke_url",
}
#: Token endpoint errors that mean the grant is gone: only a new consent helps.
RECONNECT_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})


class OAuthFailed(InvalidRequest):
    """Connecting failed; the message says why in plain words (never a token)."""


class TokenRejected(Exception):
    """The token endpoint answered with an OAuth error (RFC 6749 section 5.2)."""

    def __init__(self, error: str, status: int) -> None:
        super().__init__(error)
        self.error, self.status = error, status


# --- Metadata and scopes ---------------------------------------------------------------------


def oauth_metadata(connector: Connector, config: dict[str, Any]) -> OAuthMetadata:
    """The connector's OAuth metadata with the endpoints the port's config overrides."""
    meta = connector.oauth
    if meta is None:
        raise InvalidRequest(f"connector '{connector.type}' does not use OAuth")
    declared = connector.config_schema.get("properties", {})
    overrides = {
        field: config[key]
        for field, key in ENDPOINT_OVERRIDES.items()
        if key in declared and isinstance(config.get(key), str) and config[key]
    }
    return dataclasses.replace(meta, **overrides) if overrides else meta


def published_kinds(session: Session, port: Port) -> list[str]:
    """The kinds of the port's published, enabled actions."""
    query = (
        select(ActionVersion.kind)
        .join(Action, col(Action.id) == col(ActionVersion.action_id))
        .where(Action.port_id == port.id, Action.state == "enabled")
        .where(col(ActionVersion.version) == col(Action.current_version))
    )
    return sorted(set(session.exec(query).all()))


def required_scopes(session: Session, meta: OAuthMetadata, port: Port) -> list[str]:
    """The narrowest scopes the port's published actions need."""
    return meta.scopes_for(published_kinds(session, port))


def redirect_uri(node: Node) -> str:
    """The node's loopback redirect URI, registered exactly like this with the provider."""
    return f"http://127.0.0.1:{node.settings.port}{CALLBACK_PATH}"


def port_named(session: Session, name: str) -> Port:
    return get_port(session, name)


def port_id_of(port: Port) -> int:
    assert port.id is not None
    return port.id


def client_credentials(
    session: Session, node: Node, port: Port, meta: OAuthMetadata
) -> tuple[str, str | None]:
    resolved = secrets.resolve_secrets(session, node.secret_box(), port)
    client_id = resolved.get(meta.client_id_secret)
    if not client_id:
        raise PortNotReady(
            f"port '{port.name}' has no OAuth client id: set its secret "
            f"'{meta.client_id_secret}' (and '{meta.client_secret_secret}') first"
        )
    return client_id, resolved.get(meta.client_secret_secret)


# --- Token storage ---------------------------------------------------------------------------


def put_token(session: Session, node: Node, port: Port, name: str, value: str) -> None:
    query = select(PortSecret).where(PortSecret.port_id == port.id, PortSecret.name == name)
    row = session.exec(query).first() or PortSecret(port_id=port_id_of(port), name=name)
    row.ciphertext = node.secret_box().encrypt(value, secrets.secret_aad(port.name, name))
    row.reference, row.set_at = None, utcnow()
    session.add(row)


def delete_tokens(session: Session, port: Port) -> None:
    session.exec(
        delete(PortSecret).where(
            col(PortSecret.port_id) == port.id, col(PortSecret.name).in_(TOKEN_SECRETS)
        )
    )
    session.exec(delete(OAuthConnection).where(col(OAuthConnection.port_id) == port.id))


def connection_of(session: Session, port: Port) -> OAuthConnection | None:
    return session.exec(select(OAuthConnection).where(OAuthConnection.port_id == port.id)).first()


def store_token(
    session: Session, node: Node, port: Port, token: dict[str, Any], scopes: list[str]
) -> OAuthConnection:
    """Keep a token endpoint answer: tokens encrypted, scopes and expiry in the clear."""
    put_token(session, node, port, ACCESS_TOKEN, str(token["access_token"]))
    if token.get("refresh_token"):
        put_token(session, node, port, REFRESH_TOKEN, str(token["refresh_token"]))
    conn = connection_of(session, port) or OAuthConnection(port_id=port_id_of(port))
    granted = token.get("scope")
    conn.scopes = sorted(str(granted).split()) if granted else sorted(scopes)
    expires_in = token.get("expires_in")
    now = utcnow()
    conn.expires_at = now + timedelta(seconds=int(expires_in)) if expires_in else None
    conn.has_refresh_token = conn.has_refresh_token or bool(token.get("refresh_token"))
    conn.refresh_lease_until = None
    session.add(conn)
    return conn


# --- Talking to the provider -----------------------------------------------------------------


async def token_request(node: Node, config: dict[str, Any], url: str, body: str) -> dict[str, Any]:
    """POST a token request through the guarded client; TokenRejected on an OAuth error."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    async with client_for(node.outbound(), OutboundPolicy.from_config(config)) as http:
        response = await http.post(url, content=body, headers=headers)
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        payload = {}
    if response.is_success and isinstance(payload.get("access_token"), str):
        return payload
    error = payload.get("error")
    raise TokenRejected(
        error if isinstance(error, str) else f"http_{response.status_code}", response.status_code
    )


def failure_reason(err: BaseException) -> str:
    if isinstance(err, TokenRejected):
        return f"the provider answered '{err.error[:80]}' (HTTP {err.status})"
    if isinstance(err, ConnectorError):
        return err.message
    return f"the provider could not be reached ({err.__class__.__name__})"


# --- Reading the stored tokens -------------------------------------------------------------


@dataclass(frozen=True)
class StoredTokens:
    """A port's tokens and grant as stored now."""

    port_id: int
    config: dict[str, Any]
    access: str | None
    refresh: str | None
    scopes: list[str]
    expires_at: datetime | None

    def expiring(self) -> bool:
        return self.expires_at is not None and self.expires_at - REFRESH_MARGIN <= utcnow()


def read_tokens(node: Node, port_name: str) -> StoredTokens:
    with node.store.read_session() as session:
        port = port_named(session, port_name)
        conn = connection_of(session, port)
        rows = session.exec(
            select(PortSecret).where(
                PortSecret.port_id == port.id, col(PortSecret.name).in_(TOKEN_SECRETS)
            )
        ).all()
        box = node.secret_box()
        values = {
            row.name: box.decrypt(row.ciphertext, secrets.secret_aad(port.name, row.name))
            for row in rows
            if row.ciphertext is not None
        }
        return StoredTokens(
            port_id=port_id_of(port),
            config=dict(port.config),
            access=values.get(ACCESS_TOKEN),
            refresh=values.get(REFRESH_TOKEN),
            scopes=list(conn.scopes) if conn else [],
            expires_at=conn.expires_at if conn else None,
        )
