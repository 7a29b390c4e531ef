"""OAuth connect, refresh and disconnect against a strict authorization server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlmodel import select

from harbor.connector import AuthFailed, ConnectorError
from harbor.errors import PortNotReady
from harbor.node import Node
from harbor.runtime import execution, oauth, oauth_refresh, oauth_tokens
from harbor.runtime.audit import SYSTEM
from harbor.runtime.ports import get_port, port_public
from harbor.store.oauth import OAuthConnection, OAuthState
from harbor.store.ports import AuditEvent, PortSecret
from harbor.store.types import utcnow
from tests import oauth_server as fixtures
from tests.oauth_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    PORT,
    connect,
    query_of,
)

T = TypeVar("T")

oauth_server = fixtures.oauth_server
oauth_port = fixtures.oauth_port


def run(node: Node, make: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine on a fresh loop, closing the node's pool on that loop."""

    async def main() -> T:
        try:
            return await make()
        finally:
            await node.aclose()

    return asyncio.run(main())


def status_of(node: Node, port: str = PORT) -> str:
    with node.store.read_session() as session:
        return port_public(session, node, get_port(session, port)).status


def oauth_status(node: Node, port: str = PORT) -> Any:
    with node.store.read_session() as session:
        return oauth.oauth_status(session, node, port)


def events(node: Node, type_: str) -> list[AuditEvent]:
    with node.store.read_session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.type == type_)).all())


def expire_access_token(node: Node, port: str = PORT) -> None:
    with node.store.session(SYSTEM) as session:
        conn = session.exec(select(OAuthConnection)).one()
        conn.expires_at = utcnow() - timedelta(seconds=5)
        session.add(conn)


async def whoami(node: Node, kind: str = "whoami") -> Any:
    prepared = await asyncio.to_thread(execution.prepare_port, node, PORT)
    return await execution.run_once(node, prepared, kind, {}, {}, action=f"{PORT}.{kind}")


def start(node: Node) -> Any:
    with node.store.session() as session:
        return oauth.start_connect(session, node, PORT)


def test_an_unconnected_oauth_port_needs_reconnecting(harbor_node, oauth_port):
    assert status_of(harbor_node) == "needs_reconnect"
    assert oauth_status(harbor_node).connected is False


def test_the_authorization_url_asks_for_pkce_s256_and_the_narrowest_scopes(
    harbor_node, oauth_port, oauth_server
):
    started = start(harbor_node)
    params = query_of(started.authorization_url)
    assert started.authorization_url.startswith(f"{oauth_server.url}/authorize?")
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url of a SHA-256 digest
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"http://127.0.0.1:{harbor_node.settings.port}/oauth/callback"
    assert params["scope"] == "profile.read"  # no write action is published
    assert params["access_type"] == "offline"
    assert params["prompt"] == "consent"
    assert CLIENT_SECRET not in started.authorization_url


def test_connecting_stores_the_tokens_encrypted_and_makes_the_port_ready(
    harbor_node, oauth_port, oauth_server
):
    assert run(harbor_node, lambda: connect(harbor_node, oauth_server)) == PORT
    assert status_of(harbor_node) == "ready"
    status = oauth_status(harbor_node)
    assert status.connected
    assert status.has_refresh_token
    assert status.scopes == ["profile.read"]
    token = oauth_server.tokens[-1]
    with harbor_node.store.read_session() as session:
        rows = session.exec(select(PortSecret)).all()
        states = session.exec(select(OAuthState)).all()
    stored = b"".join(row.ciphertext or b"" for row in rows)
    assert token.access_token.encode() not in stored
    assert str(token.refresh_token).encode() not in stored
    assert states == []  # the state was used once and is gone
    assert [e.outcome for e in events(harbor_node, "oauth.connected")] == ["ok"]


def test_the_connector_gets_the_access_token_but_never_the_refresh_token(
    harbor_node, oauth_port, oauth_server
):
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    result = run(harbor_node, lambda: whoami(harbor_node))
    assert result == {"user": "ada", "scope": "profile.read", "refresh_token_visible": False}
    assert oauth_server.resource_auth == [f"Bearer {oauth_server.tokens[-1].access_token}"]


def test_a_wrong_state_is_refused(harbor_node, oauth_port, oauth_server):
    started = start(harbor_node)
    location = oauth_server.sign_in(started.authorization_url)
    code = query_of(location)["code"]
    with pytest.raises(oauth.OAuthFailed, match="unknown or was already used"):
        run(
            harbor_node,
            lambda: oauth.finish_connect(
                harbor_node, state="forged-state", callback_url=location.split("?")[0],
                code=code, error=None,
            ),
        )  # fmt: skip
    assert oauth_server.grants == []
    assert status_of(harbor_node) == "needs_reconnect"


def test_a_wrong_pkce_verifier_makes_the_exchange_fail(harbor_node, oauth_port, oauth_server):
    started = start(harbor_node)
    state = query_of(started.authorization_url)["state"]
    with harbor_node.store.session(SYSTEM) as session:  # someone swapped the verifier
        row = session.exec(select(OAuthState).where(OAuthState.state == state)).one()
        row.verifier_ciphertext = harbor_node.secret_box().encrypt("x" * 64, f"oauth-state/{state}")
        session.add(row)
    location = oauth_server.sign_in(started.authorization_url)
    with pytest.raises(oauth.OAuthFailed, match="invalid_grant"):
        run(
            harbor_node,
            lambda: oauth.finish_connect(
                harbor_node, state=state, callback_url=location.split("?")[0],
                code=query_of(location)["code"], error=None,
            ),
        )  # fmt: skip
    assert oauth_server.grants == []
    assert status_of(harbor_node) == "needs_reconnect"
    assert [e.outcome for e in events(harbor_node, "oauth.connect_failed")] == ["failed"]


def test_an_intercepted_code_is_useless_without_the_verifier(harbor_node, oauth_port, oauth_server):
    started = start(harbor_node)
    location = oauth_server.sign_in(started.authorization_url)
    params = query_of(location)
    missing = oauth_server.redeem(params["code"], started.redirect_uri)
    wrong = oauth_server.redeem(params["code"], started.redirect_uri, code_verifier="y" * 64)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    finished = oauth.finish_connect(
        harbor_node, state=params["state"], callback_url=location.split("?")[0],
        code=params["code"], error=None,
    )  # fmt: skip
    assert run(harbor_node, lambda: finished) == PORT  # the node holds the verifier


def test_a_callback_on_another_address_than_the_exact_redirect_is_refused(
    harbor_node, oauth_port, oauth_server
):
    started = start(harbor_node)
    location = oauth_server.sign_in(started.authorization_url)
    params = query_of(location)
    elsewhere = location.split("?")[0].replace("127.0.0.1", "localhost")
    with pytest.raises(oauth.OAuthFailed, match="not to the exact address"):
        run(
            harbor_node,
            lambda: oauth.finish_connect(
                harbor_node, state=params["state"], callback_url=elsewhere,
                code=params["code"], error=None,
            ),
        )  # fmt: skip
    assert oauth_server.grants == []


def test_the_server_refuses_a_redirect_uri_it_does_not_know_exactly(
    harbor_node, oauth_port, oauth_server
):
    oauth_server.client.redirect_uris = [
        f"http://127.0.0.1:{harbor_node.settings.port}/oauth/callback/"
    ]
    started = start(harbor_node)
    with pytest.raises(AssertionError, match="authorize refused: 400"):
        oauth_server.sign_in(started.authorization_url)


def test_a_replayed_callback_and_a_replayed_code_are_refused(harbor_node, oauth_port, oauth_server):
    started = start(harbor_node)
    location = oauth_server.sign_in(started.authorization_url)
    params = query_of(location)

    def finish() -> Any:
        return oauth.finish_connect(
            harbor_node, state=params["state"], callback_url=location.split("?")[0],
            code=params["code"], error=None,
        )  # fmt: skip

    assert run(harbor_node, finish) == PORT
    with pytest.raises(oauth.OAuthFailed, match="already used"):
        run(harbor_node, finish)
    replayed = oauth_server.redeem(params["code"], started.redirect_uri, code_verifier="z" * 64)
    assert replayed.json()["error"] == "invalid_grant"
    assert oauth_server.grants == ["authorization_code"]


def test_the_provider_refusing_consent_is_reported_in_plain_words(harbor_node, oauth_port):
    state = query_of(start(harbor_node).authorization_url)["state"]
    callback = oauth.redirect_uri(harbor_node)
    with pytest.raises(oauth.OAuthFailed, match=r"refused the sign-in \(access_denied\)"):
        run(
            harbor_node,
            lambda: oauth.finish_connect(
                harbor_node, state=state, callback_url=callback, code=None, error="access_denied"
            ),
        )


def test_an_expired_access_token_is_refreshed_once_under_concurrent_calls(
    harbor_node, oauth_port, oauth_server
):
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    expire_access_token(harbor_node)

    async def many() -> list[Any]:
        return await asyncio.gather(*(whoami(harbor_node) for _ in range(8)))

    results = run(harbor_node, many)
    assert all(r["user"] == "ada" for r in results)
    assert oauth_server.grants == ["authorization_code", "refresh_token"]
    fresh = oauth_server.tokens[-1].access_token
    assert oauth_server.resource_auth == [f"Bearer {fresh}"] * 8
    status = oauth_status(harbor_node)
    assert status.refreshed_at is not None
    assert status.expires_at > utcnow()
    assert len(events(harbor_node, "oauth.refreshed")) == 1


def test_a_token_about_to_expire_is_refreshed_before_the_call(
    harbor_node, oauth_port, oauth_server
):
    oauth_server.expires_in = 30  # inside the node's refresh margin
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    oauth_server.expires_in = 3600
    run(harbor_node, lambda: whoami(harbor_node))
    assert oauth_server.grants == ["authorization_code", "refresh_token"]


def test_a_second_worker_waits_for_the_refresh_another_holds(harbor_node, oauth_port, oauth_server):
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    expire_access_token(harbor_node)
    port_id = oauth_tokens.read_tokens(harbor_node, PORT).port_id
    assert oauth_refresh.__dict__["_take_lease"](harbor_node, port_id)  # another worker refreshes
    assert not oauth_refresh.__dict__["_take_lease"](harbor_node, port_id)

    async def other_worker_finishes() -> None:
        await asyncio.sleep(0.3)
        token = {"access_token": "from-the-other-worker", "expires_in": 3600}
        await asyncio.to_thread(oauth_refresh.__dict__["_save_refresh"], harbor_node, PORT, token)

    async def both() -> Any:
        _, token = await asyncio.gather(
            other_worker_finishes(),
            oauth.fresh_access_token(harbor_node, PORT, harbor_node.connectors["oauth_profile"]),
        )
        return token

    assert run(harbor_node, both) == "from-the-other-worker"
    assert oauth_server.grants == ["authorization_code"]  # this worker did not refresh


def test_a_revoked_refresh_token_marks_the_port_needs_reconnect(
    harbor_node, oauth_port, oauth_server
):
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    oauth_server.revoke_everything()
    expire_access_token(harbor_node)
    with pytest.raises(AuthFailed, match="invalid_grant"):
        run(harbor_node, lambda: whoami(harbor_node))
    assert status_of(harbor_node) == "needs_reconnect"
    assert oauth_status(harbor_node).needs_reconnect is True
    [event] = events(harbor_node, "oauth.refresh_failed")
    assert event.outcome == "needs_reconnect"
    assert event.details == {"error": "invalid_grant"}
    with harbor_node.store.read_session() as session, pytest.raises(PortNotReady):
        execution.prepare_callable_port(session, harbor_node, get_port(session, PORT))
    # Reconnecting restores the same port.
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    assert status_of(harbor_node) == "ready"
    assert run(harbor_node, lambda: whoami(harbor_node))["user"] == "ada"


def test_an_action_kind_needing_an_ungranted_scope_fails_clearly(
    harbor_node, oauth_port, oauth_server
):
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    with pytest.raises(ConnectorError, match=r"without the scope\(s\) profile\.write"):
        run(harbor_node, lambda: whoami(harbor_node, "write_profile"))


def test_disconnecting_revokes_at_the_provider_and_deletes_the_tokens(
    harbor_node, oauth_port, oauth_server
):
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    done = run(harbor_node, lambda: oauth.disconnect(harbor_node, PORT, SYSTEM))
    assert done.revoked_at_provider is True
    assert oauth_server.revocations == ["refresh_token"]
    assert all(t.revoked for t in oauth_server.tokens)
    with harbor_node.store.read_session() as session:
        names = {row.name for row in session.exec(select(PortSecret)).all()}
    assert names == {"client_id", "client_secret"}
    assert status_of(harbor_node) == "needs_reconnect"
    assert oauth_status(harbor_node).connected is False


def test_disconnecting_when_the_provider_is_unreachable_still_deletes_locally(
    harbor_node, oauth_port, oauth_server
):
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    with harbor_node.store.session(SYSTEM) as session:
        port = get_port(session, PORT)
        port.config = {**port.config, "oauth_revoke_url": "http://127.0.0.1:9/revoke"}
        session.add(port)
    done = run(harbor_node, lambda: oauth.disconnect(harbor_node, PORT, SYSTEM))
    assert done.revoked_at_provider is False
    assert "revoke it in its account page" in done.message
    assert oauth_status(harbor_node).connected is False


def test_the_status_warns_before_a_testing_client_refresh_token_expires(
    harbor_node, oauth_port, oauth_server
):
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    assert oauth_status(harbor_node).warnings == []
    with harbor_node.store.session(SYSTEM) as session:
        conn = session.exec(select(OAuthConnection)).one()
        conn.connected_at = utcnow() - timedelta(days=6)
        session.add(conn)
    [warning] = oauth_status(harbor_node).warnings
    assert "'Testing' status" in warning
    assert "7 days after consent" in warning


def test_two_workers_on_one_database_refresh_once(harbor_node, oauth_port, oauth_server):
    run(harbor_node, lambda: connect(harbor_node, oauth_server))
    expire_access_token(harbor_node)
    other = Node(harbor_node.settings, plugins=harbor_node.plugins)  # another worker process
    other.connectors = harbor_node.connectors
    connector = harbor_node.connectors["oauth_profile"]

    async def both() -> list[str]:
        try:
            return await asyncio.gather(
                *(oauth.fresh_access_token(n, PORT, connector) for n in (harbor_node, other) * 3)
            )
        finally:
            await other.aclose()

    try:
        tokens = run(harbor_node, both)
    finally:
        other.close()
    assert oauth_server.grants == ["authorization_code", "refresh_token"]
    assert set(tokens) == {oauth_server.tokens[-1].access_token}
