"""The node serves the docs of its own version at /docs: static files, offline, no login."""

from __future__ import annotations

from pathlib import Path

import pytest

from harbor.plugins import docs_site


@pytest.fixture
def served_site(built_docs_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The node's docs route reads the built site of this run."""
    monkeypatch.setattr(docs_site, "site_directory", lambda: built_docs_site)
    return built_docs_site


def test_docs_redirects_to_the_trailing_slash(served_site, anon_client):
    answer = anon_client.get("/docs", follow_redirects=False)
    assert answer.status_code == 308
    assert answer.headers["location"] == "/docs/"


def test_the_home_page_is_served_without_a_credential(served_site, anon_client):
    answer = anon_client.get("/docs/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "The local-first gateway between AI agents" in answer.text
    assert "<svg" in answer.text  # the flow diagram is inline, nothing to fetch


def test_a_deep_page_is_served_and_a_missing_slash_is_added(served_site, anon_client):
    answer = anon_client.get("/docs/get-started/first-approval/")
    assert answer.status_code == 200
    assert "Your first approval" in answer.text
    redirect = anon_client.get("/docs/get-started/first-approval", follow_redirects=False)
    assert redirect.status_code == 308
    assert redirect.headers["location"] == "/docs/get-started/first-approval/"


def test_assets_have_their_content_types(served_site, anon_client):
    css = next((served_site / "assets" / "stylesheets").glob("main.*.min.css"))
    js = next((served_site / "assets" / "javascripts").glob("bundle.*.min.js"))
    answer = anon_client.get(f"/docs/{css.relative_to(served_site)}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/css; charset=utf-8"
    answer = anon_client.get(f"/docs/{js.relative_to(served_site)}")
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    index = anon_client.get("/docs/search/search_index.json")
    assert index.headers["content-type"] == "application/json"


def test_an_unknown_page_gets_the_sites_own_404(served_site, anon_client):
    answer = anon_client.get("/docs/no/such/page/")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "404" in answer.text


@pytest.mark.parametrize(
    "path", ["/docs/..%2f..%2fpyproject.toml", "/docs/%2e%2e/%2e%2e/pyproject.toml"]
)
def test_paths_outside_the_site_are_refused(served_site, anon_client, path):
    answer = anon_client.get(path, follow_redirects=False)
    assert answer.status_code == 404
    # The docs route answered (with the site's 404 page), and gave nothing of the file.
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "[build-system]" not in answer.text


def test_resolve_page_never_leaves_the_site(built_docs_site: Path):
    assert docs_site.resolve_page(built_docs_site, "../../etc/passwd") is None
    assert docs_site.resolve_page(built_docs_site, "/etc/passwd") is None
    assert docs_site.resolve_page(built_docs_site, "") == built_docs_site.resolve() / "index.html"


def test_without_a_built_site_the_node_explains_how_to_build_it(tmp_path, monkeypatch, anon_client):
    monkeypatch.setattr(docs_site, "site_directory", lambda: tmp_path / "docs_site")
    answer = anon_client.get("/docs/")
    assert answer.status_code == 404
    assert "not built into this installation" in answer.text
    assert docs_site.BUILD_COMMAND in answer.text


def test_the_host_guard_still_applies(served_site, anon_client):
    answer = anon_client.get("/docs/", headers={"Host": "attacker.example"})
    assert answer.status_code == 400


def test_the_docs_are_not_in_the_api_document(anon_client):
    paths = anon_client.get("/api/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/docs")]
