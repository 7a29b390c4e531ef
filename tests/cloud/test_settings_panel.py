"""The settings page's Harbor Cloud panel in each state: never enrolled, grace, expired."""

from __future__ import annotations

from datetime import timedelta

from harbor.runtime.cloud.state import CloudState, write_cloud_state
from harbor.store.types import utcnow
from tests.runtime.test_license_tokens import NODE_ID, TestCloud


def hold_license(node, issued) -> None:
    """Store a license issued at ``issued`` (30 days) as if the node had enrolled."""
    cloud = TestCloud()
    held = CloudState(
        cloud_url="https://cloud.example.org", node_id=NODE_ID,
        license=cloud.mint(issued=issued), keys=cloud.jwks, account_email="m@example.org",
        enrolled_at=issued, last_contact_at=issued,
        last_error="Harbor Cloud at https://cloud.example.org cannot be reached (ConnectError)",
    )  # fmt: skip
    with node.store.session() as session:
        write_cloud_state(session, held)


def panel(page: str) -> str:
    start = page.index('id="cloud-panel"')
    return page[start : page.index("</section>", start)]


def test_a_node_never_enrolled_shows_community_and_how_to_enroll(signed_in_client):
    shown = panel(signed_in_client.get("/settings").text)
    assert "<strong>Community</strong>" in shown
    assert "none (Community)" in shown
    assert "harbor cloud enroll --url" in shown


def test_in_grace_the_features_stay_on_with_a_warning(signed_in_client, harbor_node):
    hold_license(harbor_node, utcnow() - timedelta(days=33))
    shown = panel(signed_in_client.get("/settings").text)
    assert "<strong>Pro</strong>" in shown
    assert ">grace<" in shown
    assert "<code>team</code>" in shown
    assert "stay on until" in shown
    assert "cannot be reached" in shown


def test_after_the_grace_the_panel_says_the_node_is_community_again(signed_in_client, harbor_node):
    hold_license(harbor_node, utcnow() - timedelta(days=40))
    shown = panel(signed_in_client.get("/settings").text)
    assert "<strong>Community</strong>" in shown
    assert ">expired<" in shown
    assert "runs as Community until Harbor Cloud renews it" in shown
