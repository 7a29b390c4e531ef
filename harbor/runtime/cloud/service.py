"""Enroll, refresh and unenroll: the node's calls to Harbor Cloud's public API.

Calls go through the core's outbound guard (:mod:`.http`) and only to a cloud the operator
put in the trusted sources (``harbor cloud enroll`` offers to add it), which is also what
lets a loopback or LAN cloud be reached. Failures become plain errors naming the cloud's URL,
and nothing is stored unless the cloud's license verifies with the keys pinned at enrollment.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from harbor.dock.trust import source_matches
from harbor.errors import (
    Conflict,
    Forbidden,
    HarborError,
    UpstreamFailed,
)
from harbor.runtime.audit import SYSTEM, Actor, record_change
from harbor.runtime.cloud import state as cloud_state
from harbor.runtime.cloud.http import CloudRefused, call_cloud, cloud_url_of, node_facts
from harbor.runtime.cloud.state import CloudState, license_status
from harbor.runtime.cloud.tokens import (
    LicenseClaims,
    LicenseRejected,
    load_node_key,
    new_node_key,
    node_key_path,
    public_jwk,
    save_node_key,
    verify_license,
)
from harbor.runtime.state import get_operator_settings
from harbor.store.types import utcnow
from harbor_client.license_api import LicenseStatus, LicenseUnenrolled

if TYPE_CHECKING:
    from harbor.node import Node

log = logging.getLogger("harbor.cloud")
_NODE_ID = re.compile(r"^node_[A-Za-z0-9_-]{1,64}$")


def _trusts(session: Session, cloud_url: str) -> bool:
    return source_matches(cloud_url, get_operator_settings(session).trusted_sources)


def trusts_cloud(node: Node, cloud_url: str) -> bool:
    """Whether ``cloud_url`` is among the operator's trusted sources."""
    with node.store.read_session() as session:
        return _trusts(session, cloud_url)


def _read(node: Node) -> CloudState:
    with node.store.read_session() as session:
        return cloud_state.read_cloud_state(session)


# --- Enroll -----------------------------------------------------------------------------------


async def enroll(node: Node, actor: Actor, url: str, code: str) -> LicenseStatus:
    """Enroll with the cloud at ``url``: new node key, verified license, keys pinned."""
    held = await anyio.to_thread.run_sync(_read, node)
    if held.enrolled:
        raise Conflict(
            f"this node is already enrolled with {held.cloud_url} as {held.node_id}; "
            "run `harbor cloud unenroll` first"
        )
    cloud_url = cloud_url_of(url)
    # Like a Dock site, the cloud is reached only once the operator trusts it: a node never
    # contacts (or even resolves) an address it was merely handed in a request.
    if not await anyio.to_thread.run_sync(trusts_cloud, node, cloud_url):
        raise Forbidden(
            f"{cloud_url} is not a trusted source; add it to trusted_sources in the settings "
            "first (`harbor cloud enroll` offers to), then enroll"
        )
    key = new_node_key()
    body = {"code": code, "node_public_key": public_jwk(key), **node_facts(node)}
    answer = await call_cloud(
        node, cloud_url, "POST", "/api/v1/nodes/enroll", body=body, trusted=True
    )
    enrolled, claims = _enrolled_state(answer or {}, cloud_url)
    await anyio.to_thread.run_sync(_store_enrollment, node, actor, key, enrolled, claims)
    node.license.forget()
    return license_status(enrolled)


def _enrolled_state(answer: dict[str, Any], cloud_url: str) -> tuple[CloudState, LicenseClaims]:
    node_id, token, keys = answer.get("node_id"), answer.get("license"), answer.get("keys")
    if not isinstance(node_id, str) or not _NODE_ID.match(node_id):
        raise UpstreamFailed(f"Harbor Cloud at {cloud_url} sent no usable node id")
    if not isinstance(token, str) or not isinstance(keys, list):
        raise UpstreamFailed(f"Harbor Cloud at {cloud_url} sent no license and keys")
    now = utcnow()
    try:
        claims = verify_license(token, keys, node_id, now)
    except LicenseRejected as err:
        raise UpstreamFailed(f"the license from {cloud_url} was refused: {err}") from err
    email = answer.get("account_email")
    enrolled = CloudState(
        cloud_url=cloud_url, node_id=node_id, license=token, keys=keys,
        account_email=email if isinstance(email, str) else None,
        enrolled_at=now, last_contact_at=now,
    )  # fmt: skip
    return enrolled, claims


def _store_enrollment(
    node: Node, actor: Actor, key: Ed25519PrivateKey, enrolled: CloudState, claims: LicenseClaims
) -> None:
    path = node_key_path(node.settings.data_dir)
    save_node_key(path, key)
    try:
        with node.store.session(actor) as session:
            cloud_state.write_cloud_state(session, enrolled)
            cloud_state.start_refresh_clock(session)
            record_change(
                session, "license.enrolled", f"node:{enrolled.node_id}",
                details={"cloud_url": enrolled.cloud_url, **_license_details(claims)},
            )  # fmt: skip
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _license_details(claims: LicenseClaims) -> dict[str, Any]:
    return {
        "plan": claims.plan,
        "features": sorted(claims.features),
        "expires_at": claims.expires_at.isoformat(),
    }


# --- Refresh ----------------------------------------------------------------------------------


async def refresh(node: Node, actor: Actor = SYSTEM) -> LicenseStatus:
    """Fetch a fresh license with a node-signed request; record the outcome either way."""
    held = await anyio.to_thread.run_sync(_read, node)
    if not held.enrolled:
        raise Conflict("this node is not enrolled with Harbor Cloud; run `harbor cloud enroll`")
    assert held.cloud_url is not None
    assert held.node_id is not None
    try:
        key = _node_key(node)
        trusted = await anyio.to_thread.run_sync(trusts_cloud, node, held.cloud_url)
        path = f"/api/v1/nodes/{held.node_id}/license"
        answer = await call_cloud(
            node, held.cloud_url, "POST", path, body=node_facts(node),
            signed_by=(key, held.node_id), trusted=trusted,
        )  # fmt: skip
        renewed, claims = _renewed_state(held, answer or {})
    except HarborError as err:
        await anyio.to_thread.run_sync(_record_failure, node, actor, held, err)
        raise
    await anyio.to_thread.run_sync(_store_refresh, node, actor, renewed, claims)
    node.license.forget()
    return license_status(renewed)


def _node_key(node: Node) -> Ed25519PrivateKey:
    path = node_key_path(node.settings.data_dir)
    try:
        return load_node_key(path)
    except (OSError, ValueError) as err:
        raise Conflict(
            f"the node's cloud key {path} cannot be read ({err.__class__.__name__}); "
            "run `harbor cloud unenroll`, then enroll again"
        ) from err


def _renewed_state(held: CloudState, answer: dict[str, Any]) -> tuple[CloudState, LicenseClaims]:
    token, keys = answer.get("license"), answer.get("keys")
    if not isinstance(token, str):
        raise UpstreamFailed(f"Harbor Cloud at {held.cloud_url} sent no license")
    assert held.node_id is not None
    now = utcnow()
    current = cloud_state.held_claims(held, now)
    try:  # only keys pinned at enrollment vouch for a license
        claims = verify_license(
            token, held.keys, held.node_id, now,
            held_issued_at=current.issued_at if current else None,
        )  # fmt: skip
    except LicenseRejected as err:
        raise UpstreamFailed(f"the license from {held.cloud_url} was refused: {err}") from err
    pinned = list(held.keys)
    known = {entry.get("kid") for entry in pinned}
    # A license signed by a pinned key vouches for the set it came with: new keys are added,
    # so the cloud can rotate, but none that was pinned is ever dropped by the cloud.
    pinned += [k for k in keys or [] if isinstance(k, dict) and k.get("kid") not in known]
    renewed = held.model_copy(
        update={"license": token, "keys": pinned, "last_contact_at": now, "last_error": None}
    )
    return renewed, claims


def _store_refresh(node: Node, actor: Actor, renewed: CloudState, claims: LicenseClaims) -> None:
    with node.store.session(actor) as session:
        cloud_state.write_cloud_state(session, renewed)
        cloud_state.start_refresh_clock(session)
        subject = f"node:{renewed.node_id}"
        record_change(session, "license.refreshed", subject, details=_license_details(claims))


def _record_failure(node: Node, actor: Actor, held: CloudState, err: HarborError) -> None:
    """Keep the error for the status; a cloud that no longer knows the node ends the license."""
    forgotten = isinstance(err, CloudRefused) and err.cloud_code == "node_not_enrolled"
    with node.store.session(actor) as session:
        if forgotten:
            kept = CloudState(cloud_url=held.cloud_url, last_error=err.detail[:500])
            cloud_state.forget_cloud_state(session, keep=kept)
        else:
            failed = held.model_copy(update={"last_error": err.detail[:500]})
            cloud_state.write_cloud_state(session, failed)
            cloud_state.start_refresh_clock(session)
        record_change(
            session, "license.refresh_failed", f"node:{held.node_id}",
            outcome="forgotten" if forgotten else "failed", details={"error": err.detail[:300]},
        )  # fmt: skip
    if forgotten:
        node_key_path(node.settings.data_dir).unlink(missing_ok=True)
        node.license.forget()
        log.warning("Harbor Cloud no longer knows this node; it runs as Community now")


# --- Unenroll ---------------------------------------------------------------------------------


async def unenroll(node: Node, actor: Actor) -> LicenseUnenrolled:
    """Tell the cloud when it answers; forget the license and the node key here in any case."""
    held = await anyio.to_thread.run_sync(_read, node)
    if not held.node_id or not held.cloud_url:
        raise Conflict("this node is not enrolled with Harbor Cloud")
    notified, why = await _tell_cloud(node, held)
    await anyio.to_thread.run_sync(_forget, node, actor, held, notified)
    node.license.forget()
    if notified:
        message = f"unenrolled from {held.cloud_url}; the node runs as Community"
    else:
        message = (
            f"forgot the license and node key on this node, but Harbor Cloud was not told "
            f"({why}); remove the node in the member area at {held.cloud_url}"
        )
    return LicenseUnenrolled(
        cloud_notified=notified, message=message, license=license_status(CloudState())
    )


async def _tell_cloud(node: Node, held: CloudState) -> tuple[bool, str]:
    assert held.cloud_url is not None
    assert held.node_id is not None
    try:
        key = _node_key(node)
        trusted = await anyio.to_thread.run_sync(trusts_cloud, node, held.cloud_url)
        await call_cloud(
            node, held.cloud_url, "POST", f"/api/v1/nodes/{held.node_id}/unenroll",
            signed_by=(key, held.node_id), trusted=trusted,
        )  # fmt: skip
    except CloudRefused as err:
        if err.cloud_code == "node_not_enrolled":
            return True, "the cloud had already forgotten this node"
        return False, err.detail
    except HarborError as err:
        return False, err.detail
    return True, ""


def _forget(node: Node, actor: Actor, held: CloudState, notified: bool) -> None:
    with node.store.session(actor) as session:
        cloud_state.forget_cloud_state(session)
        record_change(
            session, "license.unenrolled", f"node:{held.node_id}",
            details={"cloud_url": held.cloud_url, "cloud_notified": notified},
        )  # fmt: skip
    key_path: Path = node_key_path(node.settings.data_dir)
    key_path.unlink(missing_ok=True)


def now_status(node: Node, now: datetime | None = None) -> LicenseStatus:
    """The license as it stands (reads the database; call from a thread in async code)."""
    return license_status(_read(node), now)
