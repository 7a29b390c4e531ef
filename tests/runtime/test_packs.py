"""Pack checks made in the runtime, below the API's body limit."""

from __future__ import annotations

import pytest

from harbor.contracts import MAX_PACK_BYTES, HarborPack, PackImportRequest, PackPort
from harbor.errors import Conflict, NotFound, PayloadTooLarge
from harbor.runtime.packs import import_pack


def plan(node, pack: HarborPack):
    with node.store.read_session() as session:
        return import_pack(session, node, PackImportRequest(pack=pack))


def port(name: str, description: str = "") -> PackPort:
    return PackPort(name=name, connector="http_api", description=description,
                    config={"base_url": "https://a.test"})  # fmt: skip


def test_a_pack_over_the_pack_limit_is_refused_before_planning(harbor_node):
    pack = HarborPack(ports=[port(f"svc-{i}", "x" * 2000) for i in range(500)])

    with pytest.raises(PayloadTooLarge) as caught:
        plan(harbor_node, pack)

    assert f"the limit is {MAX_PACK_BYTES} bytes" in caught.value.detail


def test_a_port_twice_is_a_conflict(harbor_node):
    with pytest.raises(Conflict, match="port svc more than once"):
        plan(harbor_node, HarborPack(ports=[port("svc"), port("svc")]))


def test_actions_on_ports_the_pack_does_not_hold_are_refused(harbor_node):
    pack = HarborPack.model_validate(
        {"actions": [{"port": "ghost", "name": "boo", "kind": "request", "risk": "read",
                      "input_schema": {"type": "object"}}]}
    )  # fmt: skip

    with pytest.raises(NotFound, match="ghost"):
        plan(harbor_node, pack)
