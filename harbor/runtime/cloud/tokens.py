"""The cryptography of Harbor Cloud on the node: its Ed25519 key, license checks, signed requests.

Everything follows the fixed contract between the cloud and the node (PyJWT, EdDSA). A license
is accepted only when it verifies with a cloud key pinned at enrollment; ``now`` is a parameter
so the time rules can be tested without waiting.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from harbor.runtime.files import write_private_file

ALGORITHM = "EdDSA"
LICENSE_TYPE = "harbor-license+jwt"
CLOUD_ISSUER = "harbor-cloud"
NODE_AUDIENCE = "harbor-node"
CLOUD_AUDIENCE = "harbor-cloud"
NODE_KEY_FILE = "cloud-node-key.pem"
REQUEST_LIFETIME_SECONDS = 120
_REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "exp", "plan", "features")


class LicenseRejected(ValueError):
    """A license token failed one of the contract's checks; the message says which."""


@dataclass(frozen=True)
class LicenseClaims:
    """The verified content of a license token."""

    node_id: str
    account: str
    plan: str
    features: frozenset[str]
    issued_at: datetime
    expires_at: datetime
    key_id: str


# --- The node key ---------------------------------------------------------------------------


def new_node_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 key for one enrollment."""
    return Ed25519PrivateKey.generate()


def public_jwk(key: Ed25519PrivateKey | Ed25519PublicKey) -> dict[str, Any]:
    """The public half as an OKP JWK (``kty``, ``crv``, ``x``)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(public, as_dict=True)
    return {"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"]}


def node_key_path(data_dir: Path) -> Path:
    """Where the node keeps its cloud key: ``cloud-node-key.pem`` in the data directory."""
    return data_dir / NODE_KEY_FILE


def save_node_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write the key as PKCS#8 PEM, mode 0600, atomically (never world-readable)."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private_file(path, pem)


def load_node_key(path: Path) -> Ed25519PrivateKey:
    """The node key saved at enrollment; OSError/ValueError when it is missing or broken."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 key")
    return key


def sign_node_request(
    key: Ed25519PrivateKey, node_id: str, method: str, path: str, now: datetime
) -> str:
    """The ``Authorization`` value of one node-signed call: ``HarborNode <jwt>``."""
    issued = int(now.timestamp())
    claims = {
        "iss": node_id,
        "aud": CLOUD_AUDIENCE,
        "iat": issued,
        "exp": issued + REQUEST_LIFETIME_SECONDS,
        "jti": secrets.token_hex(16),
        "htm": method.upper(),
        "htu": path,
    }
    return "HarborNode " + jwt.encode(claims, key, algorithm=ALGORITHM)


# --- Licenses -------------------------------------------------------------------------------


def pinned_keys(jwks: Iterable[Mapping[str, Any]]) -> dict[str, Ed25519PublicKey]:
    """The cloud's usable signing keys by ``kid`` (entries that are not Ed25519 are skipped)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in jwks:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        try:
            key = OKPAlgorithm.from_jwk(dict(entry))
        except (jwt.InvalidKeyError, ValueError, TypeError):
            continue
        if isinstance(key, Ed25519PublicKey):
            keys[entry["kid"]] = key
    return keys


def verify_license(
    token: str,
    jwks: Iterable[Mapping[str, Any]],
    node_id: str,
    now: datetime,
    *,
    held_issued_at: datetime | None = None,
    check_expiry: bool = True,
) -> LicenseClaims:
    """Check a license exactly as the contract says, or raise :class:`LicenseRejected`.

    ``held_issued_at``: the ``iat`` of the license the node holds; an older one is a replay.
    ``check_expiry=False`` re-reads a license already held (its grace is decided elsewhere).
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as err:
        raise LicenseRejected(f"not a license token ({err})") from err
    if header.get("alg") != ALGORITHM:
        raise LicenseRejected(f"the algorithm {header.get('alg')!r} is not {ALGORITHM}")
    if header.get("typ") != LICENSE_TYPE:
        raise LicenseRejected(f"the token type {header.get('typ')!r} is not {LICENSE_TYPE}")
    key = pinned_keys(jwks).get(str(header.get("kid")))
    if key is None:
        raise LicenseRejected(f"no pinned cloud key has the id {header.get('kid')!r}")
    claims = _decode(token, key)
    return _check_claims(claims, str(header["kid"]), node_id, now, held_issued_at, check_expiry)


def _decode(token: str, key: Ed25519PublicKey) -> dict[str, Any]:
    # Times are checked by _check_claims against ``now``, so PyJWT must not use its own clock.
    options: jwt.types.Options = {
        "verify_exp": False,
        "verify_nbf": False,
        "verify_iat": False,
        "require": list(_REQUIRED_CLAIMS),
    }
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=NODE_AUDIENCE,
            issuer=CLOUD_ISSUER,
            options=options,
        )
    except jwt.InvalidSignatureError as err:
        raise LicenseRejected("the signature does not verify with the pinned cloud key") from err
    except jwt.PyJWTError as err:
        raise LicenseRejected(str(err)) from err
    return claims


def _check_claims(
    claims: dict[str, Any],
    key_id: str,
    node_id: str,
    now: datetime,
    held_issued_at: datetime | None,
    check_expiry: bool,
) -> LicenseClaims:
    if claims["sub"] != node_id:
        raise LicenseRejected(f"the license is for {claims['sub']!r}, not this node ({node_id})")
    try:
        issued = datetime.fromtimestamp(int(claims["iat"]), UTC)
        expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (TypeError, ValueError, OverflowError) as err:
        raise LicenseRejected("iat and exp must be whole seconds") from err
    if check_expiry and now >= expires:
        raise LicenseRejected(f"the license expired at {expires.isoformat()}")
    if held_issued_at is not None and issued < held_issued_at:
        raise LicenseRejected("the license is older than the one this node holds (a replay)")
    features = claims["features"]
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise LicenseRejected("features must be a list of names")
    return LicenseClaims(
        node_id=node_id,
        account=str(claims.get("account", "")),
        plan=str(claims["plan"]),
        features=frozenset(features),
        issued_at=issued,
        expires_at=expires,
        key_id=key_id,
    )
