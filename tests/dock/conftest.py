"""Fixtures for the Dock tests: a publisher key, the starter catalog, signed manifests, trust."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harbor.dock.signing import public_key_text, sign_document
from tests.cli.conftest import cli_home, harbor_cli  # noqa: F401 (fixtures for the CLI tests)

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "dock" / "catalog"
INTEGRATIONS = CATALOG / "integrations"
MANIFEST_IDS = sorted(p.stem for p in INTEGRATIONS.glob("*.json"))


def catalog_manifest(manifest_id: str) -> dict[str, Any]:
    """A starter-catalog manifest as parsed JSON (a fresh copy each time)."""
    data: dict[str, Any] = json.loads((INTEGRATIONS / f"{manifest_id}.json").read_text())
    return data


@pytest.fixture
def publisher_key() -> Ed25519PrivateKey:
    """A fresh ed25519 publisher key."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def signed(publisher_key: Ed25519PrivateKey) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Build the inline import body of a manifest signed with ``publisher_key``."""

    def body(manifest: dict[str, Any], **extra: Any) -> dict[str, Any]:
        signature = sign_document(manifest, publisher_key).model_dump()
        return {"manifest": manifest, "signature": signature, **extra}

    return body


@pytest.fixture
def trust(operator_client: Any, publisher_key: Ed25519PrivateKey) -> Callable[..., None]:
    """Set the operator's Dock trust: the publisher key, and optional sources."""

    def apply(*, publisher: bool = True, sources: list[str] | None = None,
              unsigned: list[str] | None = None) -> None:  # fmt: skip
        update: dict[str, Any] = {
            "trusted_dock_publishers": [public_key_text(publisher_key.public_key())]
            if publisher
            else [],
            "trusted_sources": sources or [],
            "unsigned_dock_sources": unsigned or [],
        }
        response = operator_client.patch("/api/v1/settings", json=update)
        assert response.status_code == 200, response.text

    return apply


# --- A loopback stand-in for the catalog's services ---------------------------------------------


class FakeService:
    """An HTTP server on 127.0.0.1 that records every request and answers like a JSON API.

    GETs of collection paths (ending in ``/issues``) answer ``[]``; ``.../close`` answers 204;
    everything else a small JSON object with the ids the connectors read.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                fake.requests.append(
                    {
                        "method": self.command,
                        "path": split.path,
                        "query": dict(parse_qsl(split.query)),
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "json": json.loads(raw) if raw else None,
                        "raw": raw,
                    }
                )
                if split.path.endswith("/close"):
                    self.send_response(204)
                    self.end_headers()
                    return
                body: Any = {"id": "4242", "ok": True, "channel_id": "77", "number": 7}
                if self.command == "GET" and split.path.endswith("/issues"):
                    body = []
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_service() -> Iterator[FakeService]:
    """A loopback JSON API standing in for GitHub, Slack, ntfy, ... in import tests."""
    service = FakeService()
    yield service
    service.close()
