"""``harbor dock keygen|build|serve``: the starter catalog becomes a static, signed site."""

from __future__ import annotations

import hashlib
import json
import threading
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from harbor.contracts import DockIndex, DockSignature
from harbor.dock.server import make_server
from harbor.dock.signing import load_private_key, verify_document
from harbor.dock.site import build_site
from harbor.errors import ConfigError
from tests.conftest import free_port
from tests.dock.conftest import CATALOG, MANIFEST_IDS


class Links(HTMLParser):
    """Every src/href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


@pytest.fixture
def site(tmp_path, publisher_key) -> Path:
    """The starter catalog built into a temporary directory."""
    out = tmp_path / "site"
    build_site(CATALOG, out, publisher_key, base_url="https://dock.example.org")
    return out


def test_the_site_has_every_page_and_a_signed_index(site):
    index = json.loads((site / "index.json").read_text())
    signature = DockSignature.model_validate_json((site / "index.json.sig").read_text())

    verify_document(index, signature)
    parsed = DockIndex.model_validate(index)
    assert [e.id for e in parsed.integrations] == MANIFEST_IDS
    for entry in parsed.integrations:
        manifest = (site / entry.manifest).read_bytes()
        assert hashlib.sha256(manifest).hexdigest() == entry.sha256
        verify_document(
            json.loads(manifest),
            DockSignature.model_validate_json((site / f"{entry.manifest}.sig").read_text()),
        )
        assert (site / "integrations" / f"{entry.id}.html").is_file()
    assert (site / "publisher.pub").read_text().strip() == parsed.public_key


def test_pages_load_nothing_from_elsewhere(site):
    for page in [site / "index.html", *sorted((site / "integrations").glob("*.html"))]:
        parser = Links()
        parser.feed(page.read_text())
        scripts_and_styles = [u for u in parser.urls if u.endswith((".js", ".css"))]
        assert scripts_and_styles
        assert all(not u.startswith(("http:", "https:", "//")) for u in scripts_and_styles)


def test_a_detail_page_shows_actions_secrets_policies_and_import(site):
    page = (site / "integrations" / "home-assistant.html").read_text()

    assert "home-assistant.call_service" in page
    assert "bearer_token" in page
    assert "Long-Lived Access Token" in page
    assert "Any other service call asks the operator" in page
    assert "pip install 'harbor-http-api&gt;=0.1'" in page
    manifest_url = "https://dock.example.org/manifests/home-assistant.json"
    assert f"harbor dock import {manifest_url}" in page
    assert (
        "http://127.0.0.1:8765/dock/import?url=https%3A%2F%2Fdock.example.org%2Fmanifests"
        "%2Fhome-assistant.json" in page
    )


def test_markdown_in_a_description_cannot_inject_html(tmp_path, publisher_key):
    catalog = tmp_path / "catalog"
    (catalog / "integrations").mkdir(parents=True)
    (catalog / "catalog.json").write_text((CATALOG / "catalog.json").read_text())
    manifest = json.loads((CATALOG / "integrations" / "ntfy-notifications.json").read_text())
    manifest["description"] = "**bold** <script>alert(1)</script>"
    (catalog / "integrations" / "ntfy-notifications.json").write_text(json.dumps(manifest))

    build_site(catalog, tmp_path / "out", publisher_key)

    page = (tmp_path / "out" / "integrations" / "ntfy-notifications.html").read_text()
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_a_manifest_whose_id_is_a_path_is_refused(tmp_path, publisher_key):
    catalog = tmp_path / "catalog"
    (catalog / "integrations").mkdir(parents=True)
    (catalog / "catalog.json").write_text((CATALOG / "catalog.json").read_text())
    manifest = json.loads((CATALOG / "integrations" / "ntfy-notifications.json").read_text())
    manifest["id"] = "../../outside"
    (catalog / "integrations" / "evil.json").write_text(json.dumps(manifest))

    with pytest.raises(ConfigError, match=r"evil\.json"):
        build_site(catalog, tmp_path / "out", publisher_key)
    assert not (tmp_path / "outside.json").exists()


def test_serve_answers_with_the_site(site):
    port = free_port()
    server = make_server(site, "127.0.0.1", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        home = httpx.get(f"http://127.0.0.1:{port}/index.html")
        index = httpx.get(f"http://127.0.0.1:{port}/index.json")
    finally:
        server.shutdown()
        server.server_close()

    assert home.status_code == 200
    assert "GitHub issue triage" in home.text
    assert index.headers["content-type"] == "application/json"


def test_keygen_and_build_from_the_command_line(harbor_cli, tmp_path):
    key = tmp_path / "keys" / "dock.pem"

    made = harbor_cli("dock", "keygen", str(key))
    built = harbor_cli(
        "dock", "build", str(CATALOG), "--out", str(tmp_path / "s"), "--key", str(key)
    )
    again = harbor_cli("dock", "keygen", str(key))

    assert made.exit_code == 0, made.stderr
    assert key.stat().st_mode & 0o777 == 0o600
    load_private_key(key)
    assert built.exit_code == 0, built.stderr
    assert f"built {len(MANIFEST_IDS)} integrations" in built.stdout
    assert again.exit_code == 1
    assert again.stderr.startswith("error: ")
    assert "refusing to overwrite" in again.stderr
