"""A real Harbor Cloud (``harbor_cloud``) and a live node on loopback, for the end-to-end tests.

- ``cloud``: the cloud app under uvicorn in a thread on a free 127.0.0.1 port, on a SQLite
  database in the test's temporary directory; ``cloud.stop()`` takes it down mid-test.
- ``cloud_admin``: an admin account (made with the cloud's own ``create_account``, as
  ``harbor-cloud admin create`` does) signed in over the cloud's JSON API.
- ``member``: a member who signed up and signed in over the cloud's JSON API.
- ``operator_page``: a browser tab signed in as the node's operator.
- The live node, its operator/agent clients, the browser and ``shot`` come from the console's
  harness (``tests/ui/conftest.py``), so these tests run on SQLite and PostgreSQL nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ui.conftest import (  # noqa: F401 (fixtures used by the tests here)
    LiveConsole,
    agent_api,
    browser,
    console,
    harbor_database_url,
    operator,
    operator_api,
    page,
    ready_port,
    screenshot_dir,
    shot,
    signed_in_client,
    ui_client,
)

MEMBER_PASSWORD = "a member's long password"
ADMIN_PASSWORD = "an admin's long password"


class LiveCloud(LiveConsole):
    """The cloud's app under uvicorn in a thread, on a loopback port."""

    def __init__(self, home: Path) -> None:
        try:
            from harbor_cloud.app import create_app
            from harbor_cloud.settings import CloudSettings
        except ImportError as err:  # a broken environment, not a test result
            pytest.fail(f"harbor-cloud is not installed ({err}): pip install -e './cloud[test]'")

        settings = CloudSettings(
            database_url=f"sqlite:///{home / 'cloud.db'}", data_dir=home / "data", license_days=30
        )
        self.app = create_app(settings)
        super().__init__(self.app)

    def create_admin(self, email: str, password: str) -> None:
        """An admin account, as ``harbor-cloud admin create`` makes it on the cloud host."""
        from harbor_cloud.accounts import create_account

        with self.app.state.cloud.store.session() as session:
            create_account(session, email, password, role="admin")


@pytest.fixture
def operator_page(page: Any, operator: str) -> Any:  # noqa: F811 (the fixtures above)
    """A browser tab signed in as the node's operator (the owner) through the sign-in form."""
    page.goto("/login")
    page.locator('input[name="password"]').fill(operator)
    page.locator('form[action="/login"] button[type="submit"]').click()
    page.wait_for_url("**/")
    return page


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[LiveCloud]:
    """A real Harbor Cloud on 127.0.0.1 with its own SQLite database."""
    live = LiveCloud(tmp_path / "cloud")
    live.start()
    yield live
    live.stop()


@dataclass
class CloudUser:
    """Someone signed in to the cloud's JSON API."""

    email: str
    account_id: str
    api: httpx.Client


def sign_in(cloud: LiveCloud, email: str, password: str) -> CloudUser:
    """Sign in over the JSON API; the returned client sends the bearer token."""
    response = httpx.post(
        f"{cloud.url}/api/v1/sessions", json={"email": email, "password": password}, timeout=30
    )
    assert response.status_code == 201, response.text
    body = response.json()
    api = httpx.Client(
        base_url=cloud.url,
        headers={"Authorization": f"Bearer {body['token']}"},
        timeout=30,
    )
    return CloudUser(email, body["account"]["id"], api)


def sign_up(cloud: LiveCloud, email: str) -> CloudUser:
    """A new member (Community plan) who signed up and signed in over the JSON API."""
    created = httpx.post(
        f"{cloud.url}/api/v1/accounts",
        json={"email": email, "password": MEMBER_PASSWORD},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    assert created.json()["plan"] == "community"
    return sign_in(cloud, email, MEMBER_PASSWORD)


@pytest.fixture
def member(cloud: LiveCloud) -> Iterator[CloudUser]:
    """A member who signed up (Community plan) and signed in."""
    user = sign_up(cloud, "member@example.org")
    yield user
    user.api.close()


@pytest.fixture
def cloud_admin(cloud: LiveCloud) -> Iterator[CloudUser]:
    """An admin of the cloud, signed in."""
    cloud.create_admin("admin@example.org", ADMIN_PASSWORD)
    user = sign_in(cloud, "admin@example.org", ADMIN_PASSWORD)
    yield user
    user.api.close()


def enrollment_code(member: CloudUser) -> str:
    """A fresh one-time enrollment code of ``member``."""
    response = member.api.post("/api/v1/enrollment-codes")
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def set_account(admin: CloudUser, account_id: str, **change: object) -> dict[str, object]:
    """PATCH the account as the admin (plan, grant, revoke)."""
    response = admin.api.patch(f"/api/v1/admin/accounts/{account_id}", json=change)
    assert response.status_code == 200, response.text
    account: dict[str, object] = response.json()
    return account
