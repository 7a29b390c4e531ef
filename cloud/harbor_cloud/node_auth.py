"""Verify the ``Authorization: HarborNode <jwt>`` of node-signed requests.

The JWT is signed by the node's enrolled Ed25519 key: ``iss`` is the node id, ``aud`` is
``harbor-cloud``, ``htm``/``htu`` bind it to one method and path, it lives at most 300 s,
and its ``jti`` is remembered until it expires so a captured request cannot be replayed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from harbor_cloud.audit import Actor, record
from harbor_cloud.errors import NodeNotEnrolled, Unauthorized
from harbor_cloud.store.engine import Store, utcnow
from harbor_cloud.store.models import Node, SeenNodeRequest

SCHEME = "HarborNode"
AUDIENCE = "harbor-cloud"
MAX_LIFETIME_SECONDS = 300
MAX_CLOCK_AHEAD_SECONDS = 300


def active_node(session: Session, node_id: str) -> Node:
    """The enrolled node, or NodeNotEnrolled when unknown or unenrolled."""
    node = session.get(Node, node_id)
    if node is None or node.unenrolled_at is not None:
        raise NodeNotEnrolled(f"node {node_id} is not enrolled with this cloud")
    return node


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != SCHEME or not token.strip():
        raise Unauthorized(f"this call needs an 'Authorization: {SCHEME} <jwt>' header")
    return token.strip()


def _verified_claims(token: str, node: Node) -> dict[str, object]:
    key = OKPAlgorithm.from_jwk(node.public_key)
    if not isinstance(key, Ed25519PublicKey):
        raise Unauthorized("the node's enrolled key is not an Ed25519 public key")
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            key,
            algorithms=["EdDSA"],
            audience=AUDIENCE,
            issuer=node.id,
            options={
                "require": ["iss", "aud", "iat", "exp", "jti", "htm", "htu"],
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as err:
        raise Unauthorized(f"the node signature is not valid: {err}") from err
    return claims


def _check_times(claims: dict[str, object]) -> datetime:
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise Unauthorized("the node signature's iat and exp must be numbers")
    if exp - iat > MAX_LIFETIME_SECONDS:
        raise Unauthorized(f"a node signature may live at most {MAX_LIFETIME_SECONDS} seconds")
    if iat > utcnow().timestamp() + MAX_CLOCK_AHEAD_SECONDS:
        raise Unauthorized("the node signature is issued in the future; check the node's clock")
    return datetime.fromtimestamp(exp, UTC)


def _remember_jti(store: Store, node_id: str, jti: str, expires: datetime) -> None:
    # Its own transaction: the jti is spent even if the request then fails.
    try:
        with store.session() as session:
            session.execute(
                delete(SeenNodeRequest).where(col(SeenNodeRequest.expires_at) < utcnow())
            )
            session.add(SeenNodeRequest(jti=jti, node_id=node_id, expires_at=expires))
    except IntegrityError as err:
        raise Unauthorized("this node signature was already used (replay)") from err


def authenticate_node(
    store: Store, node_id: str, authorization: str | None, method: str, path: str
) -> None:
    """Check the request is signed by the enrolled node ``node_id`` for this method and path;
    refusals are audited as security events."""
    with store.session() as session:
        node = active_node(session, node_id)
    try:
        claims = _verified_claims(_bearer(authorization), node)
        expires = _check_times(claims)
        if claims["htm"] != method or claims["htu"] != path:
            raise Unauthorized("the node signature is for another method or path")
        _remember_jti(store, node.id, str(claims["jti"]), expires + timedelta(seconds=1))
    except Unauthorized as err:
        with store.session() as session:
            record(session, Actor(node.id, "node"), "node.auth_failed", node.id, reason=err.detail)
        raise
