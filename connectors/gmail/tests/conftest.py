"""Fixtures for the gmail tests: a fake Gmail API (and Google OAuth) on 127.0.0.1, a runner."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from harbor_gmail import GmailConnector

from harbor.testkit import ConnectorRunner, RecordedRequest, Reply, Upstream

TOKEN = "ya29.PLANTED-gmail-access-token"
REFRESH = "1//PLANTED-gmail-refresh-token"
CLIENT_ID = "1234-abc.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-PLANTED-client-secret"


def b64url(text: str) -> str:
    """Gmail's body encoding: base64url without padding."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def google_error(code: int, message: str, reason: str, status: str) -> dict[str, Any]:
    """Google's JSON error body (``{"error": {...}}``)."""
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": status,
        }
    }


UNAUTHENTICATED = google_error(
    401,
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential.",
    "authError",
    "UNAUTHENTICATED",
)
NOT_FOUND = google_error(404, "Requested entity was not found.", "notFound", "NOT_FOUND")


def full_message(message_id: str = "18c2a4f5e6d7b8a9") -> dict[str, Any]:
    """A message in the shape of GET users/me/messages/{id}?format=full."""
    return {
        "id": message_id,
        "threadId": "18c2a4f5e6d7b8a0",
        "labelIds": ["UNREAD", "IMPORTANT", "CATEGORY_PERSONAL", "INBOX"],
        "snippet": "Hi Ada, the invoice for November is attached.",
        "sizeEstimate": 48213,
        "historyId": "987654",
        "internalDate": "1763900000000",
        "payload": {
            "partId": "",
            "mimeType": "multipart/mixed",
            "filename": "",
            "headers": [
                {"name": "From", "value": "Grace Hopper <grace@example.com>"},
                {"name": "To", "value": "ada@example.org"},
                {"name": "Subject", "value": "Invoice — November"},
                {"name": "Date", "value": "Sun, 23 Nov 2026 12:13:20 +0000"},
                {"name": "Message-ID", "value": "<CAF=abc@mail.gmail.com>"},
                {"name": "Content-Type", "value": 'multipart/mixed; boundary="000b"'},
            ],
            "body": {"size": 0},
            "parts": [
                {
                    "partId": "0",
                    "mimeType": "multipart/alternative",
                    "filename": "",
                    "headers": [],
                    "body": {"size": 0},
                    "parts": [
                        {
                            "partId": "0.0",
                            "mimeType": "text/plain",
                            "filename": "",
                            "headers": [
                                {"name": "Content-Type", "value": 'text/plain; charset="UTF-8"'}
                            ],
                            "body": {
                                "size": 52,
                                "data": b64url("Hi Ada,\r\nthe invoice is attached. Grüße\r\n"),
                            },
                        },
                        {
                            "partId": "0.1",
                            "mimeType": "text/html",
                            "filename": "",
                            "headers": [],
                            "body": {"size": 60, "data": b64url("<p>Hi Ada</p>")},
                        },
                    ],
                },
                {
                    "partId": "1",
                    "mimeType": "application/pdf",
                    "filename": "invoice-11.pdf",
                    "headers": [{"name": "Content-Disposition", "value": "attachment"}],
                    "body": {"attachmentId": "ANGjdJ8-attachment-id", "size": 48000},
                },
            ],
        },
    }


class FakeGoogle(Upstream):
    """Gmail's REST API (and Google's OAuth endpoints) on 127.0.0.1, recording requests.

    ``route(method, path, reply)`` answers one method and exact path. Unrouted requests
    get Google's 404 body. ``/authorize`` redirects straight back with a code, ``/token``
    issues :data:`TOKEN` for it (and :data:`REFRESH`), ``/revoke`` accepts any token.
    """

    json_type = "application/json; charset=UTF-8"

    def __init__(self) -> None:
        super().__init__()
        self.token_requests: list[dict[str, str]] = []
        self.granted_scope = ""
        self.valid_token = TOKEN  # set to something else: the user revoked access

    def gate(self, request: RecordedRequest) -> Reply | None:
        if request["path"] == "/authorize":
            query = request["query"]
            self.granted_scope = query.get("scope", "")
            back = urlencode({"code": "4/0AQlEd8-code", "state": query["state"]})
            return Reply(302, None, {"Location": f"{query['redirect_uri']}?{back}"})
        if request["path"] == "/token":
            form = dict(parse_qsl(request["body"].decode()))
            self.token_requests.append(form)
            token = {"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer",
                     "scope": self.granted_scope}  # fmt: skip
            if form.get("grant_type") == "authorization_code":
                token["refresh_token"] = REFRESH
            return Reply(200, token)
        if request["path"] == "/revoke":
            return Reply(200, {})
        if request["headers"].get("authorization") != f"Bearer {self.valid_token}":
            return Reply(
                401,
                UNAUTHENTICATED,
                {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            )
        return None

    def fallback(self, request: RecordedRequest) -> Reply:
        return Reply(404, NOT_FOUND)

    def api_requests(self) -> list[RecordedRequest]:
        """The requests to the Gmail API (not the OAuth endpoints)."""
        return [r for r in self.requests if r["path"].startswith("/gmail/")]


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    """A fake Gmail API and Google OAuth server on 127.0.0.1."""
    with FakeGoogle() as fake:
        yield fake


class Runner:
    """Drives the connector directly, through the core's guarded client and the port policy."""

    def __init__(self) -> None:
        self.kit = ConnectorRunner(GmailConnector(), port="mail")
        self.connector = self.kit.connector

    def execute(
        self,
        config: dict[str, Any],
        kind: str,
        arguments: dict[str, Any],
        definition: dict[str, Any] | None = None,
        token: str = TOKEN,
    ) -> Any:
        """Run one action of ``kind`` with the access token the core would resolve."""
        return self.kit.execute(
            kind, arguments, definition, config=config, secrets={"access_token": token}
        )


@pytest.fixture
def runner() -> Runner:
    """Runs the connector directly on the core's guarded outbound client."""
    return Runner()


@pytest.fixture
def config(google: FakeGoogle) -> dict[str, Any]:
    """A port config on the fake Google (OAuth endpoints included)."""
    return {
        "api_base_url": google.url,
        "oauth_authorize_url": f"{google.url}/authorize",
        "oauth_token_url": f"{google.url}/token",
        "oauth_revoke_url": f"{google.url}/revoke",
        "allow_private_hosts": ["127.0.0.1"],
    }
