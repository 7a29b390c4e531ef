"""Fixtures for the cloud's tests: a cloud on SQLite or PostgreSQL, API clients for members
and admins, node keys and node-signed request headers, a live cloud for the browser.

Database tests run on SQLite and on a PostgreSQL database created for the run and dropped
at its end (``postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` or
``HARBOR_TEST_POSTGRES_URL``). ``HARBOR_TEST_DATABASES=sqlite`` limits a local run to SQLite,
like the core's tests/conftest.py. The cloud cannot import the core's test package, so the
browser fixtures follow tests/ui/conftest.py rather than importing it.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from harbor_cloud.accounts import create_account
from harbor_cloud.app import create_app
from harbor_cloud.context import Cloud
from harbor_cloud.settings import CloudSettings

POSTGRES_ADMIN_URL = os.environ.get(
    "HARBOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "admin@cloud.test"
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
_CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


# --- databases ----------------------------------------------------------------------------


def test_databases() -> list[str]:
    """The database backends this run covers."""
    wanted = os.environ.get("HARBOR_TEST_DATABASES", "sqlite,postgresql")
    return [name.strip() for name in wanted.split(",") if name.strip()]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect database variants that HARBOR_TEST_DATABASES leaves out."""
    wanted = set(test_databases())
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("cloud_database_url") if callspec else None
        (drop if backend is not None and backend not in wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def cloud_postgres_database() -> Iterator[str]:
    """A PostgreSQL database created for this run and dropped at its end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"harbor_cloud_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # pragma: no cover - a broken environment, not a test result
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({err.__class__.__name__}); "
            "start it or set HARBOR_TEST_DATABASES=sqlite"
        )
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def cloud_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test cloud's database: a SQLite file, or the run's PostgreSQL database emptied."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("cloud_postgres_database")
        _empty_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'cloud.db'}"


# --- the cloud ----------------------------------------------------------------------------


@pytest.fixture
def cloud_settings(cloud_database_url: str, tmp_path: Path) -> CloudSettings:
    """Settings of the test cloud: its database and a data dir in the test's tmp_path."""
    return CloudSettings(
        database_url=cloud_database_url, data_dir=tmp_path / "cloud-data", license_days=30
    )


@pytest.fixture
def cloud_app(cloud_settings: CloudSettings) -> Iterator[FastAPI]:
    """The cloud app (database migrated, keys created)."""
    app = create_app(cloud_settings)
    yield app
    app.state.cloud.store.dispose()


@pytest.fixture
def cloud(cloud_app: FastAPI) -> Cloud:
    """The test cloud's parts (store, signer, settings) for direct checks."""
    parts: Cloud = cloud_app.state.cloud
    return parts


@pytest.fixture
def client(cloud_app: FastAPI) -> Iterator[TestClient]:
    """An in-process HTTP client of the cloud (cookies kept, redirects not followed)."""
    with TestClient(cloud_app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def member(client: TestClient) -> Callable[..., dict[str, Any]]:
    """``member(email)``: sign up and sign in; returns the account, token and auth headers."""

    def make(email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
        address = email or f"member-{secrets.token_hex(4)}@cloud.test"
        created = client.post("/api/v1/accounts", json={"email": address, "password": password})
        assert created.status_code == 201, created.text
        signed_in = client.post("/api/v1/sessions", json={"email": address, "password": password})
        assert signed_in.status_code == 201, signed_in.text
        token = signed_in.json()["token"]
        return {
            "account": created.json(),
            "email": address,
            "token": token,
            "headers": {"Authorization": f"Bearer {token}"},
        }

    return make


@pytest.fixture
def admin(client: TestClient, cloud: Cloud) -> dict[str, Any]:
    """An admin account (created like ``harbor-cloud admin create``) and its auth headers."""
    with cloud.store.session() as session:
        account = create_account(session, ADMIN_EMAIL, PASSWORD, role="admin")
    signed_in = client.post("/api/v1/sessions", json={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 201, signed_in.text
    token = signed_in.json()["token"]
    return {"id": account.id, "headers": {"Authorization": f"Bearer {token}"}}


# --- nodes --------------------------------------------------------------------------------


class FakeNode:
    """A node's side of the contract: an Ed25519 key and node-signed request headers."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.node_id: str | None = None

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The node's public key as the OKP JWK the enroll call sends."""
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return jwk

    def signature(self, method: str, path: str, **overrides: Any) -> str:
        """A request JWT for ``method path`` (claims replaced or added by ``overrides``)."""
        key = overrides.pop("_key", None) or self.key
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.node_id,
            "aud": "harbor-cloud",
            "iat": now,
            "exp": now + 120,
            "jti": secrets.token_hex(16),
            "htm": method,
            "htu": path,
        }
        claims.update(overrides)
        return jwt.encode(claims, key, algorithm="EdDSA")

    def headers(self, method: str, path: str, **overrides: Any) -> dict[str, str]:
        """``Authorization: HarborNode <jwt>`` for one request."""
        return {"Authorization": f"HarborNode {self.signature(method, path, **overrides)}"}


@pytest.fixture
def enroll(client: TestClient) -> Callable[..., tuple[FakeNode, dict[str, Any]]]:
    """``enroll(member)``: create a code as the member and enroll a new node with it."""

    def run(owner: dict[str, Any], name: str = "home-node") -> tuple[FakeNode, dict[str, Any]]:
        code = client.post("/api/v1/enrollment-codes", headers=owner["headers"])
        assert code.status_code == 201, code.text
        node = FakeNode()
        body = {
            "code": code.json()["code"],
            "node_public_key": node.public_jwk,
            "name": name,
            "version": "0.1.0",
        }
        enrolled = client.post("/api/v1/nodes/enroll", json=body)
        assert enrolled.status_code == 201, enrolled.text
        node.node_id = enrolled.json()["node_id"]
        return node, enrolled.json()

    return run


# --- a live cloud and the browser ---------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveCloud:
    """The cloud app under uvicorn in a thread, on a loopback port."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveCloud:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the cloud did not start on loopback")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_cloud(cloud_app: FastAPI) -> Iterator[LiveCloud]:
    """The test cloud served on 127.0.0.1 (real HTTP for the browser and concurrency)."""
    live = LiveCloud(cloud_app).start()
    yield live
    live.stop()


@pytest.fixture
def form_token() -> Callable[[httpx.Client | TestClient, str], str]:
    """``form_token(client, path)``: the CSRF token of the first form on a page."""

    def read(client: httpx.Client | TestClient, path: str) -> str:
        page = client.get(path)
        match = _CSRF_RE.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    return read


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser).

    Module-scoped: Playwright's sync API keeps an event loop in the main thread while it
    runs (see the core's tests/ui/conftest.py).
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_cloud: LiveCloud) -> Iterator[Any]:
    """A fresh browser tab (own cookies) whose relative URLs go to the live cloud."""
    context = browser.new_context(base_url=live_cloud.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


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
def shot(screenshot_dir: Path, request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """``shot(page, label)``: save a full-page screenshot named by test and label."""
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    taken = 0

    def take(page: Any, label: str) -> Path:
        nonlocal taken
        taken += 1
        path = screenshot_dir / f"cloud-{test_name}--{taken:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say where the screenshots are, so a person can look at them."""
    for folder in sorted(_SCREENSHOT_FOLDERS):
        count = len(list(folder.glob("cloud-*.png")))
        terminalreporter.write_line(f"cloud screenshots ({count}): {folder}")


@pytest.fixture
def new_node() -> Callable[[], FakeNode]:
    """``new_node()``: a node key pair that is not enrolled yet."""
    return FakeNode
