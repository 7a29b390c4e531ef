"""Nodes: enroll with a one-time code, refresh the license, unenroll, list an account's."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from jwt.exceptions import InvalidKeyError
from sqlmodel import Session, col, select

from harbor_cloud.audit import Actor, record
from harbor_cloud.enrollment import consume_code
from harbor_cloud.errors import InvalidRequest, NotFound
from harbor_cloud.licenses import LicenseSigner, issue_license
from harbor_cloud.node_auth import active_node
from harbor_cloud.store.engine import iso, utcnow
from harbor_cloud.store.models import Account, IssuedLicense, Node


@dataclass(frozen=True)
class Enrolled:
    """A node just enrolled: its id, first license and the account's email."""

    node_id: str
    license: str
    account_email: str


def node_public_key(jwk: dict[str, Any]) -> dict[str, str]:
    """The node's public key reduced to its OKP/Ed25519 members, after checking it parses."""
    try:
        key = OKPAlgorithm.from_jwk(jwk)
    except (InvalidKeyError, ValueError, TypeError, KeyError) as err:
        raise InvalidRequest(f"node_public_key is not a usable JWK: {err}") from err
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidRequest("node_public_key must be an Ed25519 public key (OKP, crv Ed25519)")
    return {"kty": "OKP", "crv": "Ed25519", "x": str(jwk["x"])}


def enroll_node(
    session: Session,
    signer: LicenseSigner,
    license_days: int,
    code: str,
    public_key: dict[str, Any],
    name: str,
    version: str,
) -> Enrolled:
    """Consume the code and create the node with its first license, in one transaction."""
    key = node_public_key(public_key)
    used = consume_code(session, code)
    account = session.get(Account, used.account_id)
    assert account is not None  # the foreign key guarantees it
    now = utcnow()
    node = Node(
        id="node_" + secrets.token_hex(8),
        account_id=account.id,
        name=name,
        version=version,
        public_key=key,
        enrolled_at=now,
        last_seen_at=now,
    )
    session.add(node)
    session.flush()
    used.node_id = node.id
    session.add(used)
    token = issue_license(session, signer, node, account, license_days)
    record(
        session,
        Actor(node.id, "node"),
        "node.enrolled",
        account.id,
        node_id=node.id,
        name=name,
        version=version,
    )
    return Enrolled(node_id=node.id, license=token, account_email=account.email)


def refresh_license(
    session: Session,
    signer: LicenseSigner,
    license_days: int,
    node_id: str,
    name: str | None,
    version: str | None,
) -> str:
    """A new license for an enrolled node (its plan and features as of now)."""
    node = active_node(session, node_id)
    account = session.get(Account, node.account_id)
    assert account is not None
    node.last_seen_at = utcnow()
    node.name = name or node.name
    node.version = version or node.version
    token = issue_license(session, signer, node, account, license_days)
    record(session, Actor(node.id, "node"), "license.refreshed", account.id, node_id=node.id)
    return token


def unenroll(session: Session, actor: Actor, node: Node) -> None:
    """The node leaves its account: its refreshes and signed calls are refused from now."""
    node.unenrolled_at = utcnow()
    session.add(node)
    record(session, actor, "node.unenrolled", node.account_id, node_id=node.id)


def member_node(session: Session, account: Account, node_id: str) -> Node:
    """One of the account's enrolled nodes; another account's is NotFound (not Forbidden,
    which would confirm it exists)."""
    node = session.get(Node, node_id)
    if node is None or node.account_id != account.id or node.unenrolled_at is not None:
        raise NotFound(f"no enrolled node {node_id} in your account")
    return node


def nodes_of(session: Session, account_id: str) -> list[Node]:
    """The account's enrolled nodes, newest first."""
    query = (
        select(Node)
        .where(Node.account_id == account_id, col(Node.unenrolled_at).is_(None))
        .order_by(col(Node.enrolled_at).desc())
    )
    return list(session.exec(query))


def node_public(node: Node) -> dict[str, Any]:
    """A node as the member API shows it."""
    return {
        "node_id": node.id,
        "name": node.name,
        "version": node.version,
        "last_seen_at": iso(node.last_seen_at),
        "license_expires_at": iso(node.license_expires_at),
        "enrolled_at": iso(node.enrolled_at),
    }


def licenses_of(session: Session, account_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The licenses issued to the account's nodes, newest first (claims, not tokens)."""
    query = (
        select(IssuedLicense)
        .where(IssuedLicense.account_id == account_id)
        .order_by(col(IssuedLicense.issued_at).desc())
        .limit(limit)
    )
    return [
        {
            "jti": row.jti,
            "node_id": row.node_id,
            "plan": row.plan,
            "features": row.features,
            "kid": row.kid,
            "issued_at": iso(row.issued_at),
            "expires_at": iso(row.expires_at),
        }
        for row in session.exec(query)
    ]
