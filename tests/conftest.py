"""Shared fixtures for the core tests. The plugin-author kit (harbor.testing) is loaded too.

Storage and API tests run on SQLite and on PostgreSQL: their ``harbor_database_url`` is
parametrized by :func:`database_url_for`. ``HARBOR_TEST_DATABASES=sqlite`` limits a local
run to SQLite; CI always runs both.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from harbor import testkit
from harbor.connector import (
    ActionKind,
    ActionTemplate,
    AuthFailed,
    CheckResult,
    Connector,
    ConnectorError,
    RetryableError,
    hookimpl,
)

POSTGRES_ADMIN_URL = os.environ.get(
    "HARBOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def test_databases() -> list[str]:
    """The database backends this run covers."""
    wanted = os.environ.get("HARBOR_TEST_DATABASES", "sqlite,postgresql")
    return [name.strip() for name in wanted.split(",") if name.strip()]


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """Undo ``configure_logging`` after a test that ran it (``harbor serve``, app factory).

    Its handler writes to the stderr of the moment, so left in place it would put a live
    node's log lines into what a later test captures as a command's output.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database created for this test run and dropped at its end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"harbor_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # pragma: no cover - a broken environment, not a test result
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({err.__class__.__name__}); "
            "start it (see .ci/run) or set HARBOR_TEST_DATABASES=sqlite"
        )
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def reset_postgres(url: str) -> None:
    """Give the next test an empty schema in the run's database."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect database variants that HARBOR_TEST_DATABASES leaves out."""
    wanted = set(test_databases())
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("harbor_database_url") if callspec else None
        (drop if backend is not None and backend not in wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def database_url_for(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL for the backend named by the fixture's parameter."""
    backend = request.param
    if backend == "postgresql":
        url: str = request.getfixturevalue("postgres_database")
        reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'harbor.db'}"


free_port = testkit.free_port


class LiveServer:
    """An ASGI app (a node's, the cloud's) under uvicorn in a thread, on a loopback port."""

    def __init__(self, app: Any, port: int | None = None, **config: Any) -> None:
        """``config``: more ``uvicorn.Config`` options (``timeout_graceful_shutdown``, ...)."""
        import uvicorn

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # log_config=None: uvicorn leaves logging alone, so a test's captured output stays its own.
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, log_level="warning",
            access_log=False, **config,
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the app did not start on loopback")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@contextmanager
def serving(app: Any, port: int | None = None, **config: Any) -> Iterator[str]:
    """``app`` served on a loopback port (free unless given) while the block runs; its URL."""
    live = LiveServer(app, port, **config).start()
    try:
        yield live.url
    finally:
        live.stop()


# --- A loopback upstream and a connector that calls it -------------------------------------


UPSTREAM_TOKEN = "upstream-token-PLANTED-9c41"


class Upstream(testkit.Upstream):
    """A JSON HTTP server on 127.0.0.1 that wants ``Bearer <token>``: ``/fail...`` answers
    500, ``/slow...`` takes 2 s, any other path ``{"path", "ok": true}``."""

    def __init__(self) -> None:
        super().__init__()
        self.token = UPSTREAM_TOKEN
        self.route_prefix("/fail", testkit.Reply(500, {"message": "upstream broke"}))
        self.route_prefix("/slow", lambda seen: testkit.Reply(200, _echo(seen), delay=2))

    def gate(self, request: testkit.RecordedRequest) -> testkit.Reply | None:
        if request["headers"].get("authorization") == f"Bearer {self.token}":
            return None
        return testkit.Reply(401, {"message": "bad credentials"})

    def fallback(self, request: testkit.RecordedRequest) -> testkit.Reply:
        return testkit.Reply(200, _echo(request))


def _echo(request: testkit.RecordedRequest) -> dict[str, object]:
    return {"path": request["raw_path"], "ok": True}


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """A real HTTP server on loopback that wants ``Bearer UPSTREAM_TOKEN``."""
    with Upstream() as server:
        yield server


class LoopConnector(Connector):
    """A small real connector: GET a path on the port's base URL with a bearer token."""

    type = "loop"
    title = "Loopback JSON"
    config_schema = {
        "type": "object",
        "properties": {
            "base_url": {"type": "string", "pattern": "^http://"},
            "token": {"type": "string", "writeOnly": True},
            "allow_private_hosts": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["base_url", "token"],
        "additionalProperties": False,
    }
    action_kinds = {
        "get": ActionKind(
            title="GET a path",
            definition_schema={
                "type": "object",
                "properties": {"path": {"type": "string", "pattern": "^/"}},
                "required": ["path"],
                "additionalProperties": False,
            },
            default_risk="read",
        )
    }
    templates = [
        ActionTemplate(
            name="read_status",
            kind="get",
            description="Read the status page",
            risk="read",
            input_schema={"type": "object", "properties": {}},
            definition={"path": "/status"},
        )
    ]

    async def _get(self, ctx, path: str):
        response = await ctx.http.get(
            ctx.config["base_url"] + path,
            headers={"Authorization": f"Bearer {ctx.secrets['token']}"},
        )
        if response.status_code == 401:
            raise AuthFailed("the upstream rejected the token")
        if response.status_code >= 500:
            raise RetryableError(f"upstream answered {response.status_code}")
        if response.status_code >= 400:
            raise ConnectorError(f"upstream answered {response.status_code}")
        return response.json()

    async def check(self, ctx):
        await self._get(ctx, "/health")
        return CheckResult(ok=True, message="upstream reachable")

    async def execute(self, ctx, definition, arguments):
        path = definition["path"]
        if arguments.get("suffix"):
            path += "/" + arguments["suffix"]
        return await self._get(ctx, path)


class LoopPlugin:
    """Registers LoopConnector."""

    @hookimpl
    def harbor_register_connectors(self, register):
        register(LoopConnector)


@pytest.fixture
def loop_connector(register_plugin) -> type[LoopConnector]:
    """The ``loop`` connector registered on the test node."""
    register_plugin(LoopPlugin(), name="loop-plugin")
    return LoopConnector
