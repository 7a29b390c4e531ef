"""A strict OAuth 2.0 authorization server on loopback, and a connector that uses it.

Built from authlib's server components (Flask integration): the authorization code grant
with PKCE required (``CodeChallenge(required=True)``), the refresh token grant and the
RFC 7009 revocation endpoint. Redirect URIs are matched exactly; codes are one-time. It
also serves one protected resource, ``GET /api/whoami``, that checks the bearer token, so
a test connector has something real to call. It signs in one fixed user without a consent
page: a test fetches the authorization URL and follows the redirect itself.
"""

from __future__ import annotations

import itertools
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Error, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from harbor.connector import (
    ActionKind,
    AuthFailed,
    CheckResult,
    Connector,
    ConnectorError,
    OAuthMetadata,
    hookimpl,
)
from harbor.contracts import PortCreate, SecretSet
from harbor.node import Node
from harbor.runtime.oauth import finish_connect, redirect_uri, start_connect
from harbor.runtime.ports import create_port, set_port_secret

CLIENT_ID = "harbor-test-client"
CLIENT_SECRET = "client-secret-PLANTED-7f3c"
ACCESS_PREFIX = "PLANTED-ACCESS-"
REFRESH_PREFIX = "PLANTED-REFRESH-"
SCOPES = ("profile.read", "profile.write")


@dataclass
class Client:
    """The one registered client; its redirect URIs are matched exactly."""

    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, CLIENT_SECRET)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class Code:
    code: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token:
    access_token: str
    refresh_token: str | None
    scope: str
    expires_in: int
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return True

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> str:
        return "ada"

    def get_client(self) -> Client:
        raise NotImplementedError


class OAuthTestServer:
    """The authorization server's state, inspectable and adjustable by tests."""

    def __init__(self) -> None:
        self.client = Client(redirect_uris=[])
        self.codes: dict[str, Code] = {}
        self.tokens: list[Token] = []
        self.expires_in = 3600
        self.issue_refresh_tokens = True
        self.grants: list[str] = []  # grant type of every token issued
        self.revocations: list[str] = []
        self.resource_auth: list[str] = []  # Authorization headers /api/whoami saw
        self.url = ""
        self._serial = itertools.count(1)
        self.app = self._build_app()

    # --- authlib wiring ---

    def _build_app(self) -> Flask:
        app = Flask("oauth-test-server")
        server = AuthorizationServer(app, query_client=self._query_client, save_token=self._save)
        server.register_token_generator(
            "default",
            BearerTokenGenerator(
                self._new_access, self._new_refresh, lambda client, grant: self.expires_in
            ),
        )
        server.register_grant(self._code_grant(), [CodeChallenge(required=True)])
        server.register_grant(self._refresh_grant())
        server.register_endpoint(self._revocation_endpoint())
        self._routes(app, server)
        return app

    def _query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == CLIENT_ID else None

    def _new_access(self, **_: Any) -> str:
        return f"{ACCESS_PREFIX}{next(self._serial)}-{secrets.token_hex(8)}"

    def _new_refresh(self, **_: Any) -> str | None:
        if not self.issue_refresh_tokens:
            return None
        return f"{REFRESH_PREFIX}{secrets.token_hex(8)}"

    def _save(self, token: dict[str, Any], req: Any) -> None:
        refresh = token.get("refresh_token")
        if refresh is None and req.payload.grant_type == "refresh_token":
            refresh = req.refresh_token.refresh_token  # the old one stays valid
        self.tokens.append(
            Token(token["access_token"], refresh, token.get("scope", ""), token["expires_in"])
        )
        self.grants.append(req.payload.grant_type)

    def _code_grant(self) -> type[grants.AuthorizationCodeGrant]:
        outer = self

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, req: Any) -> None:
                data = req.payload.data
                outer.codes[code] = Code(
                    code, req.payload.redirect_uri, req.payload.scope or "",
                    data.get("code_challenge"), data.get("code_challenge_method"),
                )  # fmt: skip

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = outer.codes.get(code)
                return found if found and time.time() - found.issued_at < 60 else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                outer.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> str:
                return "ada"

        return CodeGrant

    def _refresh_grant(self) -> type[grants.RefreshTokenGrant]:
        outer = self

        class RefreshGrant(grants.RefreshTokenGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
            INCLUDE_NEW_REFRESH_TOKEN = False  # like Google: the refresh token stays

            def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
                for token in outer.tokens:
                    if token.refresh_token == refresh_token and not token.revoked:
                        return token
                return None

            def authenticate_user(self, credential: Token) -> str:
                return "ada"

            def revoke_old_credential(self, credential: Token) -> None:
                """The refresh token stays valid (not rotated)."""

        return RefreshGrant

    def _revocation_endpoint(self) -> type[RevocationEndpoint]:
        outer = self

        class Revocation(RevocationEndpoint):
            CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
                for token in outer.tokens:
                    if token_string in (token.access_token, token.refresh_token):
                        return token
                return None

            def revoke_token(self, token: Token, req: Any) -> None:
                outer.revoke_refresh_token(token.refresh_token)
                outer.revocations.append(req.form.get("token_type_hint") or "")

        return Revocation

    def _routes(self, app: Flask, server: AuthorizationServer) -> None:
        @app.get("/authorize")
        def authorize() -> Any:
            try:
                grant = server.get_consent_grant(end_user="ada")
            except OAuth2Error as err:  # e.g. a redirect URI that is not registered exactly
                return server.handle_error_response(None, err)
            return server.create_authorization_response(grant_user="ada", grant=grant)

        @app.post("/token")
        def token() -> Any:
            return server.create_token_response()

        @app.post("/revoke")
        def revoke() -> Any:
            return server.create_endpoint_response("revocation")

        @app.get("/api/whoami")
        def whoami() -> Any:
            header = request.headers.get("Authorization", "")
            self.resource_auth.append(header)
            value = header.removeprefix("Bearer ")
            for token in self.tokens:
                if token.access_token == value and not token.revoked:
                    if token.is_expired():
                        break
                    return jsonify(user="ada", scope=token.scope)
            return jsonify(error="invalid_token"), 401

    # --- what tests use ---

    def revoke_refresh_token(self, refresh_token: str | None) -> None:
        """Revoke a grant: its refresh token and every access token issued with it."""
        for token in self.tokens:
            if token.refresh_token == refresh_token:
                token.revoked = True

    def revoke_everything(self) -> None:
        """The user revoked the app's access in their account page."""
        for token in self.tokens:
            token.revoked = True

    def sign_in(self, authorization_url: str) -> str:
        """Follow the authorization URL as the user's browser; the redirect it answers."""
        response = httpx.get(authorization_url, follow_redirects=False)
        if response.status_code != 302:
            raise AssertionError(f"authorize refused: {response.status_code} {response.text}")
        return response.headers["location"]

    def redeem(self, code: str, redirect_uri: str, **extra: str) -> httpx.Response:
        """A token request made directly (an attacker holding an intercepted code)."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        form.update(extra)
        return httpx.post(f"{self.url}/token", data=form, auth=(CLIENT_ID, CLIENT_SECRET))


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a URL, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def serve(server: OAuthTestServer) -> Iterator[OAuthTestServer]:
    """Run ``server`` on a free loopback port until the generator is closed."""
    httpd = make_server("127.0.0.1", 0, server.app, threaded=True)
    server.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


class ProfileConnector(Connector):
    """A connector of the test server's profile API, using the core's OAuth capability."""

    type = "oauth_profile"
    title = "OAuth profile (test)"
    config_schema = {
        "type": "object",
        "properties": {
            "base_url": {"type": "string"},
            "oauth_authorize_url": {"type": "string"},
            "oauth_token_url": {"type": "string"},
            "oauth_revoke_url": {"type": "string"},
            "allow_private_hosts": {"type": "array", "items": {"type": "string"}},
            "client_id": {"type": "string", "writeOnly": True},
            "client_secret": {"type": "string", "writeOnly": True},
        },
        "required": ["base_url", "client_id", "client_secret"],
    }
    action_kinds = {
        "whoami": ActionKind(title="Who am I", default_risk="read", idempotent=True),
        "write_profile": ActionKind(title="Change the profile", default_risk="write"),
    }
    oauth = OAuthMetadata(
        authorize_url="https://auth.invalid/authorize",
        token_url="https://auth.invalid/token",
        revoke_url="https://auth.invalid/revoke",
        scopes=("profile.read",),
        kind_scopes={"whoami": ("profile.read",), "write_profile": ("profile.write",)},
        authorize_params={"access_type": "offline", "prompt": "consent"},
        refresh_token_lifetime_days=7,
    )

    async def execute(self, ctx: Any, definition: dict[str, Any], arguments: dict[str, Any]) -> Any:
        """Call the profile API with the access token the core resolved."""
        response = await ctx.http.get(
            f"{ctx.config['base_url']}/api/whoami",
            headers={"Authorization": f"Bearer {ctx.secrets['access_token']}"},
        )
        if response.status_code == 401:
            raise AuthFailed("the profile API rejected the access token")
        if response.is_error:
            raise ConnectorError(f"the profile API answered {response.status_code}")
        return {**response.json(), "refresh_token_visible": "refresh_token" in ctx.secrets}

    async def check(self, ctx: Any) -> CheckResult:
        """Whoami works."""
        await self.execute(ctx, {}, {})
        return CheckResult(ok=True, message="signed in")


@hookimpl
def harbor_register_connectors(register: Any) -> None:
    """Provide the test connector."""
    register(ProfileConnector)


# --- Fixtures (imported by the OAuth test modules) -------------------------------------------

PORT = "profile"


@pytest.fixture
def oauth_server(monkeypatch: pytest.MonkeyPatch, harbor_node: Node) -> Iterator[OAuthTestServer]:
    """The authorization server on loopback, with the node's redirect URI registered."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http, on loopback only
    server = OAuthTestServer()
    server.client.redirect_uris = [redirect_uri(harbor_node)]
    yield from serve(server)


@pytest.fixture
def oauth_port(harbor_node: Node, register_plugin: Any, oauth_server: OAuthTestServer) -> str:
    """Port ``profile`` of the test connector, its OAuth client set, not yet connected."""
    register_plugin(sys.modules[__name__], "oauth-profile")
    url = oauth_server.url
    config = {
        "base_url": url,
        "oauth_authorize_url": f"{url}/authorize",
        "oauth_token_url": f"{url}/token",
        "oauth_revoke_url": f"{url}/revoke",
        "allow_private_hosts": ["127.0.0.1"],
    }
    with harbor_node.store.session() as session:
        create_port(
            session, harbor_node, PortCreate(name=PORT, connector="oauth_profile", config=config)
        )
        for name, value in (("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)):
            set_port_secret(session, harbor_node, PORT, name, SecretSet(value=value))
    return PORT


async def connect(node: Node, server: OAuthTestServer, port: str = PORT) -> str:
    """Run the whole connect flow as the operator's browser would; the port's name."""
    with node.store.session() as session:
        started = start_connect(session, node, port)
    location = server.sign_in(started.authorization_url)
    params = query_of(location)
    return await finish_connect(
        node,
        state=params["state"],
        callback_url=location.split("?")[0],
        code=params.get("code"),
        error=params.get("error"),
    )
