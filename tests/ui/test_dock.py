"""The console's Dock import page (``/dock/import``), reached from a Dock site in a real
browser, and the packs page (``/packs``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harbor.contracts import OperatorSettingsUpdate
from harbor.dock.server import make_server
from harbor.dock.signing import public_key_text
from harbor.dock.site import build_site
from harbor.runtime import state
from tests.conftest import free_port
from tests.dock.conftest import CATALOG
from tests.ui.conftest import form_token


@pytest.fixture
def publisher_key() -> Ed25519PrivateKey:
    """A fresh Dock publisher key."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def dock_url(tmp_path, publisher_key, harbor_node) -> Iterator[str]:
    """The starter catalog built and served on loopback, trusted by the test node."""
    site = tmp_path / "site"
    build_site(CATALOG, site, publisher_key)
    port = free_port()
    server = make_server(site, "127.0.0.1", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    trust = OperatorSettingsUpdate(
        trusted_dock_publishers=[public_key_text(publisher_key.public_key())],
        trusted_sources=[url],
    )
    with harbor_node.store.session() as session:
        state.update_operator_settings(session, trust)
    yield url
    server.shutdown()
    server.server_close()


def test_the_dock_site_renders_filters_and_imports_into_the_console(
    signed_in, dock_url, console, shot
):
    page = signed_in
    page.goto(f"{dock_url}/index.html")
    cards = page.locator(".card")
    assert cards.count() == len(list((CATALOG / "integrations").glob("*.json")))
    shot(page, "dock-home")
    page.get_by_label("Search integrations").fill("push notifications")
    assert [c.is_visible() for c in cards.all()].count(True) == 1
    page.get_by_label("Search integrations").fill("")
    page.get_by_label("Category").select_option("home")
    assert page.locator(".card:visible h2").all_inner_texts() == ["Home Assistant"]
    page.get_by_label("Category").select_option("")

    page.get_by_role("link", name="ntfy push notifications").click()
    assert "notify" in page.inner_text("main")
    page.get_by_label("Harbor node address").fill(console.url)
    page.get_by_label("Harbor node address").dispatch_event("change")
    manifest_url = f"{dock_url}/manifests/ntfy-notifications.json"
    assert page.locator(".import-command").inner_text() == f"harbor dock import {manifest_url}"
    shot(page, "dock-detail")
    page.get_by_role("link", name="Import into Harbor").click()

    page.wait_for_url("**/dock/import?url=*")
    preview = page.locator("#dock-preview")
    assert "ntfy push notifications 1.0.0" in preview.inner_text()
    assert "trusted" in preview.inner_text()
    assert "bearer_token" in preview.inner_text()
    shot(page, "console-dock-preview")
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/ports/ntfy")
    assert "Imported ntfy push notifications 1.0.0" in page.inner_text("body")


def test_an_untrusted_site_is_refused_inline(signed_in_client, publisher_key, harbor_node):
    url = "http://127.0.0.1:9/manifests/x.json"

    page = signed_in_client.get("/dock/import", params={"url": url})

    assert page.status_code == 403
    assert "trusted_sources" in page.text
    assert 'value="http://127.0.0.1:9/manifests/x.json"' in page.text


def test_the_packs_page_exports_and_plans_an_import(signed_in_client, harbor_node):
    token = form_token(signed_in_client, "/packs")

    exported = signed_in_client.post(
        "/packs/export", data={"csrf_token": token, "with_policies": "1"}
    )
    pack = json.loads(exported.text)
    pack["policies"] = [{"name": "from-ui", "action": "*.*", "effect": "deny"}]
    plan = signed_in_client.post(
        "/packs/import",
        data={"csrf_token": token, "pack": json.dumps(pack), "on_conflict": "skip"},
    )
    applied = signed_in_client.post(
        "/packs/import",
        data={"csrf_token": token, "pack": json.dumps(pack), "apply": "1"},
    )

    assert exported.status_code == 200
    assert "harbor.harborpack.json" in exported.headers["content-disposition"]
    assert "Plan (nothing changed yet)" in plan.text
    assert "from-ui" in plan.text
    assert "Imported" in applied.text
    with harbor_node.store.read_session() as session:
        from harbor.runtime.policy_rules import list_rules

        assert [r.name for r in list_rules(session)] == ["from-ui"]


def test_a_bad_pack_is_refused_inline(signed_in_client):
    token = form_token(signed_in_client, "/packs")

    page = signed_in_client.post("/packs/import", data={"csrf_token": token, "pack": "{nope"})

    assert page.status_code == 400
    assert "not valid JSON" in page.text


def test_the_ports_page_leads_to_dock_import_and_packs(signed_in_client):
    page = signed_in_client.get("/ports")

    assert 'href="/dock/import"' in page.text
    assert 'href="/packs"' in page.text
