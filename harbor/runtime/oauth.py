"""OAuth 2.0 for connectors: connect, callback, refresh, disconnect, with local token custody.

The operator's own OAuth client (id and secret) is a pair of port secrets. Connecting runs
the authorization code flow with PKCE (S256) and a one-time ``state`` kept on the node, to
the loopback redirect ``http://127.0.0.1:<node port>/oauth/callback`` (RFC 8252). The tokens
are port secrets named ``oauth:access_token`` and ``oauth:refresh_token``, encrypted like
every other secret and never shown again; the connector reads a fresh access token as
``ctx.secrets["access_token"]``. A refresh happens before expiry, once per port at a time
(an asyncio lock per port in a process, a lease on the connection row across workers). A
rejected refresh token moves the port to ``needs_reconnect``; reconnecting keeps the port,
its actions and policies. Every request to the provider goes through the core's outbound
client under the port's outbound policy (the SSRF guard).

This module is the connect flow, status and disconnect; token storage and requests are in
:mod:`harbor.runtime.oauth_tokens`, refreshing in :mod:`harbor.runtime.oauth_refresh`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlmodel import Session, col, delete, select

from harbor.connector import ConnectorError, OAuthMetadata
from harbor.errors import PortNotReady
from harbor.node import Node
from harbor.runtime.audit import SYSTEM, Actor, record_change
from harbor.runtime.connectors import get_connector
from harbor.runtime.oauth_refresh import call_secrets, fresh_access_token
from harbor.runtime.oauth_tokens import (
    CALLBACK_PATH,
    REFRESH_TOKEN,
    STATE_TTL,
    OAuthFailed,
    TokenRejected,
    client_credentials,
    connection_of,
    delete_tokens,
    failure_reason,
    oauth_metadata,
    port_id_of,
    port_named,
    read_tokens,
    redirect_uri,
    required_scopes,
    store_token,
    token_request,
)
from harbor.runtime.outbound import OutboundPolicy, client_for
from harbor.store.oauth import OAuthState
from harbor.store.ports import Port, PortSecret
from harbor.store.types import utcnow
from harbor_client.oauth_api import OAuthConnectStart, OAuthDisconnected, OAuthStatus

__all__ = [
    "CALLBACK_PATH",
    "OAuthFailed",
    "call_secrets",
    "disconnect",
    "finish_connect",
    "fresh_access_token",
    "oauth_status",
    "redirect_uri",
    "start_connect",
]

# --- Connect ---------------------------------------------------------------------------------


def start_connect(session: Session, node: Node, port_name: str) -> OAuthConnectStart:
    """Start the authorization code flow with PKCE; returns the URL to open in a browser."""
    port = port_named(session, port_name)
    connector = get_connector(node, port.connector)
    meta = oauth_metadata(connector, dict(port.config))
    if port.disabled:
        raise PortNotReady(f"port '{port.name}' is disabled; enable it before connecting")
    client_id, _ = client_credentials(session, node, port, meta)
    now = utcnow()
    session.exec(delete(OAuthState).where(col(OAuthState.expires_at) < now))
    state, verifier = generate_token(40), generate_token(64)
    scopes, redirect = required_scopes(session, meta, port), redirect_uri(node)
    url = prepare_grant_uri(
        meta.authorize_url, client_id, "code", redirect_uri=redirect, scope=" ".join(scopes),
        state=state, code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256", **dict(meta.authorize_params),
    )  # fmt: skip
    row = OAuthState(
        state=state,
        port_id=port_id_of(port),
        verifier_ciphertext=node.secret_box().encrypt(verifier, f"oauth-state/{state}"),
        redirect_uri=redirect,
        scopes=scopes,
        expires_at=now + STATE_TTL,
    )
    session.add(row)
    record_change(
        session, "oauth.connect_started", f"port:{port.name}", port=port.name,
        details={"scopes": scopes},
    )  # fmt: skip
    return OAuthConnectStart(
        port=port.name,
        authorization_url=url,
        redirect_uri=redirect,
        scopes=scopes,
        expires_at=row.expires_at,
    )


@dataclass(frozen=True)
class _Exchange:
    """What finishing one connect needs, read when its ``state`` was claimed."""

    port: str
    config: dict[str, Any]
    token_url: str
    client_id: str
    client_secret: str | None
    verifier: str
    redirect_uri: str
    scopes: list[str]


def _claim_state(node: Node, state: str, callback_url: str) -> _Exchange | str:
    """Consume ``state`` (one-time, whatever happens next); the exchange or why not."""
    with node.store.session(SYSTEM) as session:
        row = session.exec(select(OAuthState).where(OAuthState.state == state)).first()
        if row is None:
            return "this sign-in answer is unknown or was already used; start connecting again"
        claimed = session.exec(delete(OAuthState).where(col(OAuthState.id) == row.id))
        if claimed.rowcount != 1:
            return "this sign-in answer was already used; start connecting again"
        if row.expires_at < utcnow():
            return "this sign-in took too long and expired; start connecting again"
        if callback_url != row.redirect_uri:
            return (
                f"the sign-in came back to {callback_url}, not to the exact address "
                f"{row.redirect_uri}; open the authorization link again"
            )
        port = session.get(Port, row.port_id)
        assert port is not None  # the state row is deleted with its port
        meta = oauth_metadata(get_connector(node, port.connector), dict(port.config))
        client_id, client_secret = client_credentials(session, node, port, meta)
        verifier = node.secret_box().decrypt(row.verifier_ciphertext, f"oauth-state/{state}")
        return _Exchange(
            port.name, dict(port.config), meta.token_url, client_id, client_secret, verifier,
            row.redirect_uri, list(row.scopes),
        )  # fmt: skip


async def finish_connect(
    node: Node, *, state: str, callback_url: str, code: str | None, error: str | None
) -> str:
    """The callback: check ``state`` and the exact redirect, exchange the code, keep tokens.

    Returns the connected port's name; raises OAuthFailed with a plain-words reason.
    """
    if not state:
        raise OAuthFailed("the sign-in answer has no 'state'; start connecting again")
    claimed = await anyio.to_thread.run_sync(_claim_state, node, state, callback_url)
    if isinstance(claimed, str):
        raise OAuthFailed(claimed)
    if error or not code:
        reason = f"the provider refused the sign-in ({(error or 'no code')[:80]})"
        await anyio.to_thread.run_sync(_audit_failure, node, claimed.port, reason)
        raise OAuthFailed(reason)
    body = prepare_token_request(
        "authorization_code", code=code, redirect_uri=claimed.redirect_uri,
        code_verifier=claimed.verifier, client_id=claimed.client_id,
        **({"client_secret": claimed.client_secret} if claimed.client_secret else {}),
    )  # fmt: skip
    try:
        token = await token_request(node, claimed.config, claimed.token_url, body)
    except (TokenRejected, ConnectorError, httpx.HTTPError) as err:
        reason = f"the code could not be exchanged for a token: {failure_reason(err)}"
        await anyio.to_thread.run_sync(_audit_failure, node, claimed.port, reason)
        raise OAuthFailed(reason) from None
    await anyio.to_thread.run_sync(_save_connection, node, claimed, token)
    return claimed.port


def _audit_failure(node: Node, port: str, reason: str) -> None:
    with node.store.session(SYSTEM) as session:
        record_change(
            session, "oauth.connect_failed", f"port:{port}", port=port, outcome="failed",
            details={"reason": reason[:500]},
        )  # fmt: skip


def _save_connection(node: Node, claimed: _Exchange, token: dict[str, Any]) -> None:
    with node.store.session(SYSTEM) as session:
        port = port_named(session, claimed.port)
        conn = store_token(session, node, port, token, claimed.scopes)
        conn.connected_at, conn.refreshed_at = utcnow(), None
        conn.has_refresh_token = bool(token.get("refresh_token"))
        if not conn.has_refresh_token:
            session.exec(
                delete(PortSecret).where(
                    col(PortSecret.port_id) == port.id, col(PortSecret.name) == REFRESH_TOKEN
                )
            )
        port.auth_failed, port.last_check_ok, port.updated_at = False, None, utcnow()
        session.add(port)
        record_change(
            session, "oauth.connected", f"port:{port.name}", port=port.name,
            details={"scopes": conn.scopes, "refresh_token": conn.has_refresh_token},
        )  # fmt: skip


# --- Status and disconnect -------------------------------------------------------------------


def oauth_status(session: Session, node: Node, port_name: str) -> OAuthStatus:
    """What the port page shows: connected, granted and missing scopes, refresh, warnings."""
    port = port_named(session, port_name)
    meta = oauth_metadata(get_connector(node, port.connector), dict(port.config))
    conn = connection_of(session, port)
    required = required_scopes(session, meta, port)
    granted = list(conn.scopes) if conn else []
    missing = sorted(set(required) - set(granted)) if conn else []
    status = OAuthStatus(
        port=port.name,
        connected=conn is not None,
        needs_reconnect=port.auth_failed,
        scopes=granted,
        required_scopes=required,
        missing_scopes=missing,
        has_refresh_token=bool(conn and conn.has_refresh_token),
        connected_at=conn.connected_at if conn else None,
        refreshed_at=conn.refreshed_at if conn else None,
        expires_at=conn.expires_at if conn else None,
    )
    status.warnings = _warnings(meta, status)
    return status


def _warnings(meta: OAuthMetadata, status: OAuthStatus) -> list[str]:
    if not status.connected:
        return ["not connected: connect the port to sign in with the provider"]
    warnings = []
    if status.needs_reconnect:
        warnings.append("the provider rejected the tokens; reconnect the port")
    if status.missing_scopes:
        warnings.append(
            f"published actions need scopes not granted ({', '.join(status.missing_scopes)}); "
            "reconnect the port to grant them"
        )
    if not status.has_refresh_token:
        warnings.append(
            "the provider issued no refresh token: the connection ends when the access token "
            "expires"
        )
    lifetime = meta.refresh_token_lifetime_days
    if lifetime and status.has_refresh_token and status.connected_at:
        ends = status.connected_at + timedelta(days=lifetime)
        if ends - utcnow() <= timedelta(days=2):
            warnings.append(
                f"if the OAuth client is in 'Testing' status its refresh token expires "
                f"{lifetime} days after consent ({ends:%Y-%m-%d %H:%M} UTC); reconnect "
                "before then, or publish the OAuth client"
            )
    return warnings


@dataclass(frozen=True)
class _Revocation:
    port: str
    config: dict[str, Any]
    revoke_url: str | None
    token: str | None
    hint: str
    client_id: str | None
    client_secret: str | None


def _revocation(node: Node, port_name: str) -> _Revocation:
    tokens = read_tokens(node, port_name)
    with node.store.read_session() as session:
        port = port_named(session, port_name)
        meta = oauth_metadata(get_connector(node, port.connector), dict(port.config))
        client: tuple[str | None, str | None]
        try:
            client = client_credentials(session, node, port, meta)
        except PortNotReady:  # revoking without client credentials may still work
            client = (None, None)
    token, hint = (
        (tokens.refresh, "refresh_token") if tokens.refresh else (tokens.access, "access_token")
    )
    return _Revocation(port_name, tokens.config, meta.revoke_url, token, hint, *client)


async def _revoke(node: Node, rev: _Revocation) -> tuple[bool, str]:
    if rev.token is None:
        return False, "the port was not connected"
    if rev.revoke_url is None:
        return False, "the provider has no revocation endpoint; revoke access in its account page"
    form = {"token": rev.token, "token_type_hint": rev.hint}
    if rev.client_id:
        form["client_id"] = rev.client_id
    if rev.client_secret:
        form["client_secret"] = rev.client_secret
    try:
        async with client_for(node.outbound(), OutboundPolicy.from_config(rev.config)) as http:
            response = await http.post(rev.revoke_url, data=form)
    except (ConnectorError, httpx.HTTPError) as err:
        return (
            False,
            f"not revoked at the provider: {failure_reason(err)}; revoke it in its account page",
        )
    if response.is_success:
        return True, "revoked at the provider"
    return False, f"the provider did not revoke the token (HTTP {response.status_code})"


async def disconnect(node: Node, port_name: str, actor: Actor) -> OAuthDisconnected:
    """Revoke the port's token at the provider when reachable, then delete it locally."""
    rev = await anyio.to_thread.run_sync(_revocation, node, port_name)
    revoked, message = await _revoke(node, rev)
    await anyio.to_thread.run_sync(_forget, node, port_name, actor, revoked)
    return OAuthDisconnected(port=port_name, revoked_at_provider=revoked, message=message)


def _forget(node: Node, port_name: str, actor: Actor, revoked: bool) -> None:
    with node.store.session(actor) as session:
        port = port_named(session, port_name)
        delete_tokens(session, port)
        port.auth_failed, port.updated_at = False, utcnow()
        session.add(port)
        record_change(
            session, "oauth.disconnected", f"port:{port_name}", port=port_name,
            details={"revoked_at_provider": revoked},
        )  # fmt: skip
