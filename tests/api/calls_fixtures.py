"""Building blocks for the call tests: a ready port with published actions, and agents."""

from __future__ import annotations

from typing import Any

from tests.conftest import UPSTREAM_TOKEN

INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "suffix": {"type": "string", "maxLength": 20},
        "pin": {"type": "string", "x-harbor-sensitive": True},
    },
    "required": ["suffix"],
    "additionalProperties": False,
}


def make_port(client: Any, upstream_url: str, name: str = "up", private_ok: bool = True) -> str:
    """A ``loop`` port with its token set; ``private_ok`` lets it reach 127.0.0.1."""
    config: dict[str, Any] = {"base_url": upstream_url}
    if private_ok:
        config["allow_private_hosts"] = ["127.0.0.1"]
    created = client.post(
        "/api/v1/ports", json={"name": name, "connector": "loop", "config": config}
    )
    assert created.status_code == 201, created.text
    secret = client.put(f"/api/v1/ports/{name}/secrets/token", json={"value": UPSTREAM_TOKEN})
    assert secret.status_code == 200, secret.text
    return name


def publish(client: Any, port: str, action: str, risk: str, path: str = "/items") -> str:
    """Publish ``port.action`` (forced: these tests are about calls, not drafts)."""
    draft = client.post(
        f"/api/v1/ports/{port}/drafts",
        json={
            "action": action,
            "kind": "get",
            "description": f"{action} for the tests",
            "risk": risk,
            "input_schema": INPUT_SCHEMA,
            "definition": {"path": path},
        },
    )
    assert draft.status_code == 201, draft.text
    draft_id = draft.json()["id"]
    assert client.post(f"/api/v1/drafts/{draft_id}/validate", json={}).status_code == 200
    published = client.post(f"/api/v1/drafts/{draft_id}/publish", json={"force": True})
    assert published.status_code == 200, published.text
    return f"{port}.{action}"


def call(client: Any, action: str, arguments: dict[str, Any], **headers: str) -> Any:
    """POST /api/v1/calls."""
    return client.post(
        "/api/v1/calls", json={"action": action, "arguments": arguments}, headers=headers
    )
