"""Fresh access tokens for calls: refresh before expiry, once per port, and "needs reconnect".

Before a call on an OAuth port the node reads its access token; one that expires within
``REFRESH_MARGIN`` is refreshed first. One refresh is in flight per port: an asyncio lock
per port in a process, and across workers a lease taken on the ``oauth_connection`` row
with a conditional update (a worker that finds it taken waits for the new token). A
refresh token the provider rejects (``invalid_grant``) moves the port to
``needs_reconnect`` with an ``oauth.refresh_failed`` audit event.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import anyio
import httpx
from authlib.oauth2.rfc6749.parameters import prepare_token_request
from sqlmodel import col, update

from harbor.connector import AuthFailed, Connector, ConnectorError, OAuthMetadata, RetryableError
from harbor.node import Node
from harbor.runtime.audit import SYSTEM, record_change
from harbor.runtime.oauth_tokens import (
    LEASE_POLL_SECONDS,
    RECONNECT_ERRORS,
    REFRESH_LEASE,
    TOKEN_SECRETS,
    StoredTokens,
    TokenRejected,
    client_credentials,
    connection_of,
    failure_reason,
    oauth_metadata,
    port_named,
    read_tokens,
    store_token,
    token_request,
)
from harbor.store.oauth import OAuthConnection
from harbor.store.types import utcnow

_LOCKS: weakref.WeakKeyDictionary[Node, dict[str, asyncio.Lock]] = weakref.WeakKeyDictionary()


def _refresh_lock(node: Node, port_name: str) -> asyncio.Lock:
    locks = _LOCKS.setdefault(node, {})
    return locks.setdefault(port_name, asyncio.Lock())


def call_secrets(secret_values: dict[str, str], access_token: str) -> dict[str, str]:
    """The secrets a connector sees: its own, plus ``access_token`` (never the refresh token)."""
    visible = {k: v for k, v in secret_values.items() if k not in TOKEN_SECRETS}
    visible["access_token"] = access_token
    return visible


async def fresh_access_token(
    node: Node, port_name: str, connector: Connector, kind: str | None = None
) -> str:
    """A valid access token for the port, refreshed first when it is about to expire.

    Raises AuthFailed when the port is not connected or the provider rejected the refresh
    token (the port then needs reconnecting), ConnectorError when the action kind needs a
    scope the port was not granted, RetryableError when the provider could not be reached.
    """
    tokens = await anyio.to_thread.run_sync(read_tokens, node, port_name)
    meta = oauth_metadata(connector, tokens.config)
    if tokens.access is None:
        raise AuthFailed(
            f"port '{port_name}' is not connected; connect it with `harbor ports connect "
            f"{port_name}` or the Connect button on its page"
        )
    _check_kind_scopes(meta, port_name, kind, tokens.scopes)
    if tokens.expiring():
        async with _refresh_lock(node, port_name):
            tokens = await anyio.to_thread.run_sync(read_tokens, node, port_name)
            if tokens.expiring():
                tokens = await _refresh(node, port_name, meta, tokens)
    assert tokens.access is not None
    return tokens.access


def _check_kind_scopes(
    meta: OAuthMetadata, port_name: str, kind: str | None, granted: list[str]
) -> None:
    missing = sorted(set(meta.kind_scopes.get(kind or "", ())) - set(granted))
    if missing:
        raise ConnectorError(
            f"port '{port_name}' was connected without the scope(s) {', '.join(missing)} "
            f"that '{kind}' actions need; reconnect the port to grant them"
        )


def _take_lease(node: Node, port_id: int) -> bool:
    """Take the connection row's refresh lease; False when another worker holds it."""
    now = utcnow()
    with node.store.session(SYSTEM) as session:
        taken = session.exec(
            update(OAuthConnection)
            .where(col(OAuthConnection.port_id) == port_id)
            .where(
                (col(OAuthConnection.refresh_lease_until).is_(None))
                | (col(OAuthConnection.refresh_lease_until) < now)
            )
            .values(refresh_lease_until=now + REFRESH_LEASE)
        )
        return bool(taken.rowcount == 1)


def _release_lease(node: Node, port_id: int) -> None:
    with node.store.session(SYSTEM) as session:
        session.exec(
            update(OAuthConnection)
            .where(col(OAuthConnection.port_id) == port_id)
            .values(refresh_lease_until=None)
        )


async def _refresh(
    node: Node, port_name: str, meta: OAuthMetadata, tokens: StoredTokens
) -> StoredTokens:
    """Refresh under the row lease, or wait for the worker that holds it."""
    if not await anyio.to_thread.run_sync(_take_lease, node, tokens.port_id):
        return await _wait_for_refresh(node, port_name)
    try:
        if tokens.refresh is None:
            raise TokenRejected("no_refresh_token", 0)
        token = await _refresh_request(node, port_name, meta, tokens)
    except TokenRejected as err:
        await anyio.to_thread.run_sync(_release_lease, node, tokens.port_id)
        if err.error in RECONNECT_ERRORS or err.error == "no_refresh_token":
            await anyio.to_thread.run_sync(_mark_needs_reconnect, node, port_name, err.error)
            raise AuthFailed(
                f"the provider no longer accepts the tokens of port '{port_name}' "
                f"({err.error}); reconnect the port"
            ) from None
        raise RetryableError(
            f"refreshing the token of port '{port_name}' failed: {failure_reason(err)}",
            retry_safe=True,
        ) from None
    except (ConnectorError, httpx.HTTPError) as err:
        await anyio.to_thread.run_sync(_release_lease, node, tokens.port_id)
        raise RetryableError(
            f"refreshing the token of port '{port_name}' failed: {failure_reason(err)}",
            retry_safe=True,
        ) from None
    await anyio.to_thread.run_sync(_save_refresh, node, port_name, token)
    return await anyio.to_thread.run_sync(read_tokens, node, port_name)


async def _refresh_request(
    node: Node, port_name: str, meta: OAuthMetadata, tokens: StoredTokens
) -> dict[str, Any]:
    client_id, client_secret = await anyio.to_thread.run_sync(
        _credentials_of, node, port_name, meta
    )
    body = prepare_token_request(
        "refresh_token", refresh_token=tokens.refresh, client_id=client_id,
        **({"client_secret": client_secret} if client_secret else {}),
    )  # fmt: skip
    return await token_request(node, tokens.config, meta.token_url, body)


def _credentials_of(node: Node, port_name: str, meta: OAuthMetadata) -> tuple[str, str | None]:
    with node.store.read_session() as session:
        return client_credentials(session, node, port_named(session, port_name), meta)


async def _wait_for_refresh(node: Node, port_name: str) -> StoredTokens:
    deadline = utcnow() + REFRESH_LEASE
    while utcnow() < deadline:
        await asyncio.sleep(LEASE_POLL_SECONDS)
        tokens = await anyio.to_thread.run_sync(read_tokens, node, port_name)
        if not tokens.expiring():
            return tokens
    raise RetryableError(
        f"another worker is still refreshing the token of port '{port_name}'", retry_safe=True
    )


def _save_refresh(node: Node, port_name: str, token: dict[str, Any]) -> None:
    with node.store.session(SYSTEM) as session:
        port = port_named(session, port_name)
        conn = connection_of(session, port)
        conn = store_token(session, node, port, token, conn.scopes if conn else [])
        conn.refreshed_at = utcnow()
        record_change(
            session, "oauth.refreshed", f"port:{port_name}", port=port_name,
            details={"expires_at": conn.expires_at.isoformat() if conn.expires_at else None},
        )  # fmt: skip


def _mark_needs_reconnect(node: Node, port_name: str, error: str) -> None:
    with node.store.session(SYSTEM) as session:
        port = port_named(session, port_name)
        port.auth_failed, port.updated_at = True, utcnow()
        session.add(port)
        record_change(
            session, "oauth.refresh_failed", f"port:{port_name}", port=port_name,
            outcome="needs_reconnect", details={"error": error[:80]},
        )  # fmt: skip
