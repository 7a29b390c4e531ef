"""A planted secret value never comes back: not in any response, log line or audit event."""

from __future__ import annotations

import logging
import re

from sqlmodel import select

from harbor.api.openapi import iter_operations
from harbor.store.ports import AuditEvent, PortSecret
from tests.conftest import UPSTREAM_TOKEN

PLANTED = UPSTREAM_TOKEN  # the loopback upstream accepts it, so real calls use it


def test_planted_secret_never_leaves_the_node(
    operator_client, loop_connector, upstream, harbor_node, caplog
):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def call(method, path, **kwargs):
        response = operator_client.request(method, path, **kwargs)
        seen.append(response.text)
        seen.append(str(response.headers))
        return response

    config = {"base_url": upstream.url, "allow_private_hosts": ["127.0.0.1"]}
    call("POST", "/api/v1/ports", json={"name": "up", "connector": "loop", "config": config})
    call("PUT", "/api/v1/ports/up/secrets/token", json={"value": PLANTED})
    call("POST", "/api/v1/ports/up/check")
    draft = call("POST", "/api/v1/ports/up/templates/apply", json={}).json()[0]
    call("POST", f"/api/v1/drafts/{draft['id']}/validate")
    call("POST", f"/api/v1/drafts/{draft['id']}/test", json={"arguments": {}})
    call("POST", f"/api/v1/drafts/{draft['id']}/publish", json={})
    call("PUT", "/api/v1/ports/up/secrets/token", json={"value": "wrong"})
    call("POST", "/api/v1/ports/up/check")  # fails: the error path must not leak either
    call("PUT", "/api/v1/ports/up/secrets/token", json={"value": PLANTED})

    sample = {"port": "up", "action": "read_status", "draft_id": str(draft["id"]),
              "type": "loop", "name": "token"}  # fmt: skip
    for method, path, _operation in iter_operations(
        operator_client.get("/api/openapi.json").json()
    ):
        if method == "GET":
            concrete = re.sub(r"{(\w+)}", lambda m: sample.get(m.group(1), "1"), path)
            call("GET", concrete, params={"from_version": 1, "to_version": 1})

    assert upstream.requests, "the connector never reached the upstream"
    assert all(PLANTED not in text for text in seen)
    assert PLANTED not in caplog.text
    with harbor_node.store.session() as session:
        events = session.exec(select(AuditEvent)).all()
        stored = session.exec(select(PortSecret)).one()
    assert len(events) > 5
    assert all(PLANTED not in event.model_dump_json() for event in events)
    assert PLANTED.encode() not in (stored.ciphertext or b"")
