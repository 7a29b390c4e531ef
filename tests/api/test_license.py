"""``/api/v1/license``: operator only; clear errors from the cloud; nothing stored on failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harbor.runtime.cloud.tokens import node_key_path
from harbor.store.types import utcnow
from harbor.testkit import RecordedRequest, Reply, Upstream
from tests.cloud.conftest import LiveCloud, enrollment_code, sign_up
from tests.conftest import free_port
from tests.runtime.test_license_tokens import NODE_ID, TestCloud

ROUTES = [
    ("GET", "/api/v1/license"),
    ("POST", "/api/v1/license/enroll"),
    ("POST", "/api/v1/license/refresh"),
    ("POST", "/api/v1/license/unenroll"),
]
ENROLL = {"url": "http://127.0.0.1:9", "code": "ABCD-EFGH"}


class FakeCloud(Upstream):
    """A loopback stand-in for the cloud's enroll endpoint, answering a license for ``sub``."""

    def __init__(self, sub: str = NODE_ID) -> None:
        super().__init__()
        self.signer = TestCloud()
        self.sub = sub
        self.route("POST", "/api/v1/nodes/enroll", self._enrolled)

    @property
    def bodies(self) -> list[object]:
        """The JSON bodies the node sent."""
        return [request["json"] for request in self.requests]

    def _enrolled(self, _request: RecordedRequest) -> Reply:
        return Reply(201, {
            "node_id": NODE_ID, "keys": self.signer.jwks, "account_email": "m@example.org",
            "license": self.signer.mint(node_id=self.sub, issued=utcnow()),
        })  # fmt: skip


@pytest.fixture
def fake_cloud() -> Iterator[FakeCloud]:
    """A fake cloud whose enrollment answers a valid license for this node id."""
    cloud = FakeCloud()
    yield cloud
    cloud.close()


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[LiveCloud]:
    """The real Harbor Cloud on loopback."""
    live = LiveCloud(tmp_path / "cloud")
    live.start()
    yield live
    live.stop()


def trust(client, url: str) -> None:
    """Add ``url`` to the trusted sources, as ``harbor cloud enroll`` offers to."""
    sources = client.get("/api/v1/settings").json()["trusted_sources"]
    changed = client.patch("/api/v1/settings", json={"trusted_sources": [*sources, url]})
    assert changed.status_code == 200, changed.text


def nothing_stored(client, node) -> bool:
    """No license, no node key, no audited enrollment."""
    status = client.get("/api/v1/license").json()
    events = client.get("/api/v1/audit", params={"type": "license.enrolled"}).json()["events"]
    key = node_key_path(node.settings.data_dir)
    return (
        status["status"] == "community"
        and not status["node_id"]
        and not events
        and not key.exists()
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_agents_cannot_read_or_change_the_license(agent_client, method, path):
    response = agent_client.request(method, path, json=ENROLL if path.endswith("enroll") else None)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_the_license_needs_a_credential(anon_client, method, path):
    assert anon_client.request(method, path).status_code == 401


def test_a_node_never_enrolled_is_community(operator_client, harbor_node):
    body = operator_client.get("/api/v1/license").json()
    assert body["status"] == "community"
    assert body["plan"] == "community"
    assert body["features"] == []
    assert not harbor_node.license.has("team")


def test_an_untrusted_address_is_refused_without_contacting_it(
    operator_client, harbor_node, fake_cloud
):
    response = operator_client.post(
        "/api/v1/license/enroll", json={"url": fake_cloud.url, "code": "CODE-1"}
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith(f"{fake_cloud.url} is not a trusted source")
    assert fake_cloud.bodies == []
    assert nothing_stored(operator_client, harbor_node)


def test_enrolling_pins_the_keys_and_audits(operator_client, harbor_node, fake_cloud):
    trust(operator_client, fake_cloud.url)
    response = operator_client.post(
        "/api/v1/license/enroll", json={"url": fake_cloud.url + "/", "code": "CODE-1"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    assert response.json()["cloud_url"] == fake_cloud.url
    assert harbor_node.license.has("team")
    sent = fake_cloud.bodies[0]
    assert set(sent) == {"code", "node_public_key", "name", "version"}  # nothing else leaves
    assert sent["node_public_key"]["kty"] == "OKP"
    assert "d" not in sent["node_public_key"]  # never the private half
    assert operator_client.get("/api/v1/settings").json()["trusted_sources"] == [fake_cloud.url]
    events = operator_client.get("/api/v1/audit", params={"limit": 20}).json()["events"]
    assert "license.enrolled" in {e["type"] for e in events}
    again = operator_client.post(
        "/api/v1/license/enroll", json={"url": fake_cloud.url, "code": "CODE-2"}
    )
    assert again.status_code == 409
    assert "already enrolled" in again.json()["detail"]


def test_a_license_for_another_node_is_refused_and_nothing_stored(operator_client, harbor_node):
    cloud = FakeCloud(sub="node_ffffffffffffffff")
    trust(operator_client, cloud.url)
    try:
        response = operator_client.post(
            "/api/v1/license/enroll", json={"url": cloud.url, "code": "CODE-1"}
        )
    finally:
        cloud.close()
    assert response.status_code == 502
    assert "not this node" in response.json()["detail"]
    assert nothing_stored(operator_client, harbor_node)


def test_a_refused_enrollment_code_is_a_403_naming_it(operator_client, harbor_node, cloud):
    trust(operator_client, cloud.url)
    response = operator_client.post(
        "/api/v1/license/enroll", json={"url": cloud.url, "code": "WRONG-CODE"}
    )
    assert response.status_code == 403
    problem = response.json()
    assert problem["cloud_code"] == "enrollment_code_invalid"
    assert f"Harbor Cloud at {cloud.url} refused the enrollment code" in problem["detail"]
    assert nothing_stored(operator_client, harbor_node)


def test_enrolling_with_a_cloud_that_does_not_answer_names_it_and_stores_nothing(
    operator_client, harbor_node
):
    url = f"http://127.0.0.1:{free_port()}"
    trust(operator_client, url)
    response = operator_client.post("/api/v1/license/enroll", json={"url": url, "code": "C-1"})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == f"Harbor Cloud at {url} cannot be reached (ConnectError)"
    assert nothing_stored(operator_client, harbor_node)


@pytest.mark.parametrize("url", ["ftp://cloud.example.org", "cloud.example.org", ""])
def test_a_cloud_url_that_is_not_http_is_refused(operator_client, url):
    response = operator_client.post("/api/v1/license/enroll", json={"url": url, "code": "C-1"})
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/license/refresh", "/api/v1/license/unenroll"])
def test_refresh_and_unenroll_need_an_enrollment(operator_client, path):
    response = operator_client.post(path)
    assert response.status_code == 409
    assert "not enrolled" in response.json()["detail"]


def test_enroll_refresh_and_unenroll_against_the_real_cloud(operator_client, harbor_node, cloud):
    member = sign_up(cloud, "m@example.org")
    trust(operator_client, cloud.url)
    enrolled = operator_client.post(
        "/api/v1/license/enroll", json={"url": cloud.url, "code": enrollment_code(member)}
    )
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["plan"] == "community"  # a new account is Community
    assert enrolled.json()["status"] == "active"

    refreshed = operator_client.post("/api/v1/license/refresh")
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["issued_at"] >= enrolled.json()["issued_at"]
    assert refreshed.json()["last_error"] is None

    done = operator_client.post("/api/v1/license/unenroll")
    assert done.status_code == 200
    assert done.json()["cloud_notified"] is True
    assert member.api.get("/api/v1/nodes").json()["nodes"] == []
    assert operator_client.get("/api/v1/license").json()["status"] == "community"
    assert not node_key_path(harbor_node.settings.data_dir).exists()
    member.api.close()
