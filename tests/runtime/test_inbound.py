"""receive_inbound_event and list_inbound_events, called directly (no HTTP in between)."""

from __future__ import annotations

import threading

import pytest

from harbor.contracts import PortCreate, SecretSet
from harbor.errors import AuditUnavailable, Conflict, Forbidden, InvalidRequest, Unauthorized
from harbor.runtime import ports
from harbor.runtime.identity import Principal
from harbor.runtime.inbound import list_inbound_events, receive_inbound_event, scope_covers_port
from tests.api.hooks_fixtures import (
    HOOK_KEY,
    SignedConnector,
    delivery,
    signed_connector,  # noqa: F401 (the fixture every test here uses)
)

pytestmark = pytest.mark.usefixtures("signed_connector")
OPERATOR = Principal(role="operator", name="owner", id=1)


@pytest.fixture
def inbox(harbor_node) -> str:
    """A ``signed`` port named ``inbox`` with its key set."""
    with harbor_node.store.session() as session:
        ports.create_port(session, harbor_node, PortCreate(name="inbox", connector="signed"))
        ports.set_port_secret(session, harbor_node, "inbox", "key", SecretSet(value=HOOK_KEY))
    return "inbox"


def receive(node, port: str, event_id: str, payload: dict, key: str = HOOK_KEY):
    sent = delivery(event_id, payload, key)
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    return receive_inbound_event(node, port, headers, sent["content"])


def stored_ids(node, port: str) -> list[str]:
    return [e.id for e in list_inbound_events(node, OPERATOR, port, limit=500).events]


def test_two_copies_arriving_together_are_stored_once(harbor_node, inbox):
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        try:
            receive(harbor_node, inbox, "evt-race", {"n": 1})
            outcomes.append("accepted")
        except Conflict:
            outcomes.append("replay")

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "replay", "replay", "replay"]
    assert stored_ids(harbor_node, inbox) == ["evt-race"]


def test_a_connector_that_crashes_refuses_the_delivery(harbor_node, inbox):
    SignedConnector.fail_with = KeyError("bug")
    with pytest.raises(Unauthorized, match="could not verify"):
        receive(harbor_node, inbox, "evt-1", {})
    assert stored_ids(harbor_node, inbox) == []


def test_an_event_without_an_id_is_refused(harbor_node, inbox):
    with pytest.raises(InvalidRequest, match="event id"):
        receive(harbor_node, inbox, "", {})
    assert stored_ids(harbor_node, inbox) == []


def test_the_audit_being_down_keeps_nothing(harbor_node, inbox, monkeypatch):
    real = harbor_node.audit.record

    def failing(session, actor, type, *args, **kwargs):
        if type == "inbound.received":
            raise OSError("disk full")
        return real(session, actor, type, *args, **kwargs)

    monkeypatch.setattr(harbor_node.audit, "record", failing)
    with pytest.raises(AuditUnavailable):
        receive(harbor_node, inbox, "evt-1", {})
    monkeypatch.setattr(harbor_node.audit, "record", real)
    assert stored_ids(harbor_node, inbox) == []
    receive(harbor_node, inbox, "evt-1", {})
    assert stored_ids(harbor_node, inbox) == ["evt-1"]


def test_agents_need_a_scope_covering_the_port(harbor_node, inbox):
    receive(harbor_node, inbox, "evt-1", {})
    covered = Principal(role="agent", name="a", id=5, scopes=("in*.read_*",))
    assert [e.id for e in list_inbound_events(harbor_node, covered, inbox).events] == ["evt-1"]
    other = Principal(role="agent", name="b", id=6, scopes=("github.*",))
    with pytest.raises(Forbidden):
        list_inbound_events(harbor_node, other, inbox)


@pytest.mark.parametrize(
    ("scopes", "port", "covered"),
    [
        (["*.*"], "inbox", True),
        (["inbox.list_events"], "inbox", True),
        (["github-*.list_*"], "github-work", True),
        (["github-*.list_*"], "gitlab", False),
        (["inbox-a.*"], "inbox", False),
        ([], "inbox", False),
    ],
)
def test_scope_coverage_follows_the_port_part_of_the_glob(scopes, port, covered):
    assert scope_covers_port(scopes, port) is covered
