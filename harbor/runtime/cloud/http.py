"""The node's HTTP calls to Harbor Cloud: one guarded request, and its errors in plain words.

Every call goes through the core's outbound guard, limited to the cloud's host (and allowed on
a loopback or LAN address only when the operator trusts the cloud). Failures name the cloud's
URL; a problem answer keeps the cloud's stable ``code`` as ``cloud_code``.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harbor.errors import Forbidden, HarborError, InvalidRequest, Unavailable
from harbor.runtime.cloud.tokens import sign_node_request
from harbor.runtime.outbound import OutboundPolicy, OutboundRefused, client_for, request_host
from harbor.store.types import utcnow

if TYPE_CHECKING:
    from harbor.node import Node

CLOUD_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
MAX_CLOUD_RESPONSE_BYTES = 1024 * 1024


class CloudRefused(HarborError):
    """Harbor Cloud answered with a problem; ``cloud_code`` is its stable code."""

    code = "upstream_failed"

    def __init__(self, detail: str, cloud_code: str, status: int) -> None:
        super().__init__(detail, extra={"cloud_code": cloud_code})
        self.cloud_code = cloud_code
        self.cloud_status = status


class CloudCodeRefused(Forbidden):
    """The cloud refused the enrollment code (unknown, used or expired)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, extra={"cloud_code": "enrollment_code_invalid"})


# --- Talking to the cloud ---------------------------------------------------------------------


def cloud_url_of(raw: str) -> str:
    """The cloud's base URL as stored: http(s), a host, no trailing slash, query or fragment."""
    problem = f"{raw[:200]!r} is not a Harbor Cloud address such as https://cloud.example.org"
    try:
        url = httpx.URL(raw.strip())
        host = request_host(url)
        OutboundPolicy(allowed_hosts=frozenset({host}))  # the guard must accept the name too
    except (httpx.InvalidURL, ValueError) as err:
        raise InvalidRequest(problem) from err
    port_ok = url.port is None or 0 < url.port < 65536
    if url.scheme not in ("http", "https") or not host or url.query or url.fragment or not port_ok:
        raise InvalidRequest(problem)
    return str(url).rstrip("/")


async def call_cloud(
    node: Node,
    cloud_url: str,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    signed_by: tuple[Ed25519PrivateKey, str] | None = None,
    trusted: bool,
) -> dict[str, Any] | None:
    """One request to the cloud; its JSON object (None for 204) or a clear HarborError."""
    url = httpx.URL(cloud_url + path)
    host = request_host(url)
    policy = OutboundPolicy(
        allowed_hosts=frozenset({host}),
        allow_private_hosts=frozenset({host}) if trusted else frozenset(),
        max_response_bytes=MAX_CLOUD_RESPONSE_BYTES,
    )
    headers = {"Accept": "application/json"}
    if signed_by is not None:
        key, node_id = signed_by
        headers["Authorization"] = sign_node_request(key, node_id, method, url.path, utcnow())
    try:
        async with client_for(node.outbound(), policy) as client:
            response = await client.request(
                method, url, json=body, headers=headers, timeout=CLOUD_TIMEOUT
            )
    except OutboundRefused as err:
        hint = "" if trusted else "; add it to the trusted sources in the settings"
        raise Forbidden(f"Harbor Cloud at {cloud_url}: {err.message}{hint}") from err
    except httpx.HTTPError as err:
        raise Unavailable(
            f"Harbor Cloud at {cloud_url} cannot be reached ({err.__class__.__name__})"
        ) from err
    return _answer(response, cloud_url)


def _answer(response: httpx.Response, cloud_url: str) -> dict[str, Any] | None:
    if response.status_code == 204:
        return None
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if response.is_success and isinstance(payload, dict):
        return payload
    problem = payload if isinstance(payload, dict) else {}
    code = str(problem.get("code") or f"http_{response.status_code}")[:60]
    detail = str(problem.get("detail") or problem.get("title") or "no details")[:300]
    if code == "enrollment_code_invalid":
        raise CloudCodeRefused(
            f"Harbor Cloud at {cloud_url} refused the enrollment code ({code}): it is unknown, "
            "used or expired; create a new code in the member area"
        )
    raise CloudRefused(
        f"Harbor Cloud at {cloud_url} answered {response.status_code} ({code}): {detail}",
        code,
        response.status_code,
    )


def node_facts(node: Node) -> dict[str, str]:
    """What the node tells the cloud about itself: its name and Harbor version (no more)."""
    return {"name": socket.gethostname()[:100] or "harbor-node", "version": node.version}
