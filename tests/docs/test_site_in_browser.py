"""The docs site in a real browser, served by a live node at /docs: it renders, works offline
(search included) and leaves screenshots of its home page and a docs page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from harbor.plugins import docs_site
from tests.ui.conftest import DESKTOP, LiveConsole


@pytest.fixture
def docs_node(
    built_docs_site: Path, monkeypatch: pytest.MonkeyPatch, harbor_app: FastAPI
) -> Iterator[LiveConsole]:
    """A live node on loopback serving this run's built site at /docs."""
    monkeypatch.setattr(docs_site, "site_directory", lambda: built_docs_site)
    live = LiveConsole(harbor_app).start()
    yield live
    live.stop()


@pytest.fixture
def tab(browser: Any, docs_node: LiveConsole) -> Iterator[Any]:
    """A browser tab on the live node that records every URL it requests."""
    context = browser.new_context(base_url=docs_node.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    context.close()


def assert_only_the_node_was_asked(tab: Any, node: LiveConsole) -> None:
    """Every request the page made went to the node itself (offline docs)."""
    foreign = [url for url in tab.requested if not url.startswith(node.url)]
    assert foreign == [], f"the docs loaded from other hosts: {foreign}"


def test_the_home_page_says_what_harbor_is(tab, docs_node, shot):
    tab.goto("/docs/")
    tab.locator("article h1", has_text="Harbor").wait_for()
    diagram = tab.get_by_role("img", name="How a call flows through Harbor")
    assert diagram.is_visible()
    assert diagram.bounding_box()["width"] > 500
    table = tab.locator("table", has_text="Community")
    assert "Pro" in table.inner_text()
    assert tab.get_by_role("link", name="Dock catalog").first.is_visible()
    shot(tab, "docs-home")
    shot(tab, "docs-home", phone=True)
    assert_only_the_node_was_asked(tab, docs_node)


def test_a_docs_page_navigates_and_searches_offline(tab, docs_node, shot):
    tab.goto("/docs/get-started/first-approval/")
    tab.get_by_role("heading", name="Your first approval").wait_for()
    assert tab.locator("nav").get_by_text("Get started").first.is_visible()
    assert tab.locator("pre code", has_text="harbor approvals approve").count() == 1
    shot(tab, "docs-first-approval")
    tab.get_by_role("link", name="Your first agent call").first.click()
    tab.wait_for_url("**/get-started/first-agent-call/")
    tab.keyboard.press("/")  # the search box, fed by the site's own index
    tab.get_by_placeholder("Search").fill("rotate-key")
    results = tab.locator(".md-search-result__item")
    results.first.wait_for()
    assert results.count() >= 1
    shot(tab, "docs-search")
    assert_only_the_node_was_asked(tab, docs_node)
