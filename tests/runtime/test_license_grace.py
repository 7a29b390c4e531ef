"""A held license over time, `node.license` (the one check, cached), and the refresh turn."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from harbor.contracts import OperatorSettingsUpdate
from harbor.node import License
from harbor.runtime.cloud import background
from harbor.runtime.cloud.state import (
    CloudState,
    Entitlement,
    entitlement,
    license_status,
    read_cloud_state,
    start_refresh_clock,
    write_cloud_state,
)
from harbor.runtime.cloud.tokens import new_node_key, node_key_path, save_node_key
from harbor.runtime.state import update_operator_settings
from harbor.store.types import utcnow
from tests.conftest import free_port
from tests.runtime.test_license_tokens import NODE_ID, NOW, TestCloud


@pytest.fixture
def cloud() -> TestCloud:
    """A cloud key generated for this test."""
    return TestCloud()


def held(cloud: TestCloud, **mint: object) -> CloudState:
    """A node's stored enrollment holding a license minted by ``cloud``."""
    return CloudState(
        cloud_url="http://127.0.0.1:9", node_id=NODE_ID, license=cloud.mint(**mint),
        keys=cloud.jwks, enrolled_at=NOW, last_contact_at=NOW,
    )  # fmt: skip


def test_a_node_never_enrolled_is_community():
    current = entitlement(CloudState(), NOW)
    assert (current.status, current.plan, current.features) == ("community", "community", set())


def test_the_license_is_active_until_it_expires(cloud):
    current = entitlement(held(cloud), NOW + timedelta(days=29, hours=23))
    assert current.status == "active"
    assert current.plan == "pro"
    assert current.features == {"team"}


def test_after_expiry_the_features_hold_for_a_7_day_grace_with_a_warning(cloud):
    state = held(cloud)
    current = entitlement(state, NOW + timedelta(days=36))
    assert current.status == "grace"
    assert current.features == {"team"}
    assert "stay on until 2026-06-07" in current.warnings[0]
    shown = license_status(state, NOW + timedelta(days=36))
    assert shown.grace_until == NOW + timedelta(days=37)


def test_after_the_grace_the_node_falls_back_to_community(cloud):
    state = held(cloud)
    current = entitlement(state, NOW + timedelta(days=37))
    assert current.status == "expired"
    assert current.plan == "community"
    assert current.features == frozenset()
    shown = license_status(state, NOW + timedelta(days=40))
    assert shown.status == "expired"
    assert shown.licensed_plan == "pro"
    assert "runs as Community" in shown.warnings[0]


def test_a_stored_license_that_no_longer_verifies_counts_for_nothing(cloud):
    state = held(cloud)
    state.keys = TestCloud(kid=cloud.kid).jwks  # the pinned key was swapped under the node
    current = entitlement(state, NOW)
    assert current.status == "expired"
    assert current.features == frozenset()


# --- node.license --------------------------------------------------------------------------


def test_license_answers_from_its_cache_until_told_to_forget():
    loads: list[Entitlement] = []

    def load() -> Entitlement:
        loads.append(Entitlement("active", "pro", frozenset({"team"})))
        return loads[-1]

    license = License(load, ttl=3600)
    assert license.has("team")
    assert license.has("team")
    assert license.plan == "pro"
    assert len(loads) == 1
    license.forget()
    assert license.has("team")
    assert len(loads) == 2


def test_license_keeps_its_last_answer_when_the_database_fails():
    answers = iter([Entitlement("active", "pro", frozenset({"team"}))])

    def load() -> Entitlement:
        try:
            return next(answers)
        except StopIteration:
            raise RuntimeError("database down") from None

    license = License(load, ttl=0)
    assert license.has("team")
    assert license.has("team")  # no exception reaches the caller (a hook, an agent call)


def test_falling_back_to_community_is_logged_as_a_warning(caplog):
    expired = Entitlement("expired", warnings=["the grace ended; the node runs as Community"])
    license = License(lambda: expired, ttl=0)
    with caplog.at_level(logging.WARNING, logger="harbor.node"):
        assert not license.has("team")
        assert not license.has("team")
    warnings = [r for r in caplog.records if "runs as Community" in r.getMessage()]
    assert len(warnings) == 1  # once per change, not once per question


def test_node_license_reflects_the_database(harbor_node, cloud):
    assert not harbor_node.license.has("team")
    with harbor_node.store.session() as session:
        write_cloud_state(session, held(cloud, issued=utcnow()))
    harbor_node.license.forget()
    assert harbor_node.license.has("team")
    with harbor_node.store.session() as session:
        write_cloud_state(session, held(cloud, issued=utcnow() - timedelta(days=40)))
    harbor_node.license.forget()
    assert not harbor_node.license.has("team")
    assert harbor_node.license.current().status == "expired"


# --- the daily refresh ------------------------------------------------------------------------


def test_one_worker_takes_the_refresh_turn_and_the_next_waits_a_day(harbor_node, cloud):
    now = utcnow()
    with harbor_node.store.session() as session:
        write_cloud_state(session, held(cloud, issued=now))
        start_refresh_clock(session)
    assert not background.take_refresh_turn(harbor_node, now + timedelta(hours=23))
    assert background.take_refresh_turn(harbor_node, now + timedelta(days=1, minutes=1))
    # another worker, the same minute: the turn is taken
    assert not background.take_refresh_turn(harbor_node, now + timedelta(days=1, minutes=2))
    assert background.take_refresh_turn(harbor_node, now + timedelta(days=2, minutes=2))


def test_a_node_not_enrolled_never_refreshes(harbor_node):
    assert not background.take_refresh_turn(harbor_node, utcnow() + timedelta(days=400))


def test_a_failed_background_refresh_is_recorded_and_the_license_holds(harbor_node, cloud):
    now = utcnow()
    state = held(cloud, issued=now)
    state.cloud_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    save_node_key(node_key_path(harbor_node.settings.data_dir), new_node_key())
    with harbor_node.store.session() as session:
        write_cloud_state(session, state)
        start_refresh_clock(session)
        update_operator_settings(session, OperatorSettingsUpdate(trusted_sources=[state.cloud_url]))

    refreshed = asyncio.run(_refresh_later(harbor_node, now + timedelta(days=1, minutes=1)))

    assert refreshed is False
    with harbor_node.store.read_session() as session:
        after = read_cloud_state(session)
    assert after.last_error == f"Harbor Cloud at {state.cloud_url} cannot be reached (ConnectError)"
    assert after.license == state.license
    harbor_node.license.forget()
    assert harbor_node.license.has("team")
    # a failed turn is retried after an hour, not a day
    assert background.take_refresh_turn(harbor_node, utcnow() + timedelta(hours=1, minutes=1))


async def _refresh_later(node, now):
    try:
        return await background.refresh_if_due(node, now)
    finally:
        await node.aclose()
