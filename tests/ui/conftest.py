"""The console's test harness: a live node on loopback, headless Chromium, screenshots.

- ``console``: the node's app served by uvicorn in a thread on a free 127.0.0.1 port, on the
  test's database (SQLite and PostgreSQL, like the API tests). In-process plugins registered
  with ``register_plugin`` (e.g. ``loop_connector``) are live in it.
- ``browser``: Debian's Chromium (``/usr/bin/chromium``) driven by Playwright; no browser is
  ever downloaded. ``page`` is a fresh browser context per test; ``signed_in`` is a page
  whose operator has signed in through the sign-in form.
- ``shot(page, label)``: a full-page screenshot into the run's screenshot folder
  (``HARBOR_TEST_SCREENSHOTS``, else ``<pytest basetemp>/screenshots``), printed at the end.
- ``operator_api`` / ``agent_api``: httpx clients for the live node's API; ``ready_port``: a
  port on a loopback upstream with a ``read`` and a ``write`` action published.
- ``ui_client`` / ``signed_in_client``: plain HTTP clients of the live node (no browser) for
  the fast rules tests, with ``form_token(client, path)`` to read a page's CSRF token.

The live node runs the app's lifespan, so a test using it must not also open the app with
a ``TestClient`` (``operator_client``, ``agent_client``): use ``operator_api`` and
``agent_api`` instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from harbor.node import Node
from harbor.runtime import identity
from harbor.testing import OPERATOR_PASSWORD
from tests.api.calls_fixtures import make_port, publish
from tests.conftest import LiveServer as LiveConsole  # the console is a node served live
from tests.conftest import database_url_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 740}
_CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture(params=["sqlite", "postgresql"])
def harbor_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test node's database: SQLite file, or the run's PostgreSQL database."""
    return database_url_for(request, tmp_path)


# --- operator -----------------------------------------------------------------------------


@pytest.fixture
def operator(harbor_node: Node) -> str:
    """The node's operator exists, with ``OPERATOR_PASSWORD``; returns the password."""
    with harbor_node.store.session() as session:
        if identity.get_operator(session) is None:
            identity.create_operator(session, OPERATOR_PASSWORD)
    return OPERATOR_PASSWORD


# --- HTTP without a browser ----------------------------------------------------------------


def form_token(client: httpx.Client | TestClient, path: str) -> str:
    """The CSRF token of the first form on the page at ``path``."""
    page = client.get(path)
    match = _CSRF_RE.search(page.text)
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


@pytest.fixture
def ui_client(console: LiveConsole) -> Iterator[httpx.Client]:
    """A browser-like HTTP client of the live node with no session (cookies kept, redirects
    not followed)."""
    with httpx.Client(base_url=console.url, follow_redirects=False, timeout=30) as client:
        yield client


@pytest.fixture
def signed_in_client(ui_client: httpx.Client, operator: str) -> httpx.Client:
    """``ui_client`` after signing in through the sign-in form."""
    token = form_token(ui_client, "/login")
    response = ui_client.post("/login", data={"password": operator, "csrf_token": token})
    assert response.status_code == 303, response.text
    return ui_client


# --- a live node ----------------------------------------------------------------------------


@pytest.fixture
def console(harbor_app: FastAPI) -> Iterator[LiveConsole]:
    """The test node served on 127.0.0.1 (real HTTP for the browser)."""
    live = LiveConsole(harbor_app).start()
    yield live
    live.stop()


@pytest.fixture
def operator_api(console: LiveConsole, operator_token: str) -> Iterator[httpx.Client]:
    """An HTTP client for the live node's API with an operator token."""
    headers = {"Authorization": f"Bearer {operator_token}"}
    with httpx.Client(base_url=console.url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def agent_api(console: LiveConsole, agent_key: str) -> Iterator[httpx.Client]:
    """An HTTP client for the live node's API as agent ``test-agent`` (scope ``*.*``)."""
    headers = {"Authorization": f"Bearer {agent_key}"}
    with httpx.Client(base_url=console.url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def ready_port(operator_api: httpx.Client, loop_connector: Any, upstream: Any) -> str:
    """Port ``up`` (the ``loop`` connector, token set) on the loopback upstream, with
    ``up.read_items`` (read: runs at once) and ``up.create_item`` (write: asks the operator)."""
    port = make_port(operator_api, upstream.url)
    publish(operator_api, port, "read_items", "read")
    publish(operator_api, port, "create_item", "write")
    return port


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser).

    Module-scoped on purpose: Playwright's sync API keeps an event loop running in the main
    thread while it is started, which makes every later ``asyncio.run`` in the same process
    fail. Stopping it after each module (pytest-randomly keeps a module's tests together)
    leaves the rest of the suite a clean thread.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, console: LiveConsole) -> Iterator[Any]:
    """A fresh browser tab (own cookies) whose relative URLs go to the live node."""
    context = browser.new_context(base_url=console.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def signed_in(page: Any, operator: str) -> Any:
    """A page whose operator signed in through the sign-in form."""
    page.goto("/login")
    page.get_by_label("Operator password").fill(operator)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    return page


# --- screenshots ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this run's screenshots go: ``HARBOR_TEST_SCREENSHOTS`` or the run's basetemp."""
    configured = os.environ.get("HARBOR_TEST_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    _SCREENSHOT_FOLDERS.add(folder)
    return folder


_SCREENSHOT_FOLDERS: set[Path] = set()


@pytest.fixture
def shot(screenshot_dir: Path, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """``shot(page, label, phone=False)``: save a full-page screenshot named by test and label."""
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    taken = 0

    def take(page: Any, label: str, phone: bool = False) -> Path:
        nonlocal taken
        taken += 1
        suffix = "-phone" if phone else ""
        path = screenshot_dir / f"{test_name}--{taken:02d}-{label}{suffix}.png"
        if phone:
            page.set_viewport_size(PHONE)
        page.screenshot(path=str(path), full_page=True)
        if phone:
            page.set_viewport_size(DESKTOP)
        return path

    return take


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the screenshots are, so a person can look at them."""
    for folder in sorted(_SCREENSHOT_FOLDERS):
        count = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"console screenshots ({count}): {folder}")
