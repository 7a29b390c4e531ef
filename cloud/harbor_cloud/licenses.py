"""The cloud's signing key and the license tokens it signs (EdDSA JWTs).

The Ed25519 key is created on first start in the data dir (mode 0600). Its ``kid`` is the
first 16 hex characters of the SHA-256 of the raw public key, and the public key is
published as a JWK set that nodes pin at enrollment to verify licenses offline.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from sqlmodel import Session

from harbor_cloud.plans import effective_features
from harbor_cloud.store.engine import utcnow
from harbor_cloud.store.models import Account, IssuedLicense, Node

SIGNING_KEY_FILE = "cloud-signing-key.pem"
LICENSE_ISSUER = "harbor-cloud"
LICENSE_AUDIENCE = "harbor-node"
LICENSE_TYPE = "harbor-license+jwt"
ALGORITHM = "EdDSA"


def key_id(private_key: Ed25519PrivateKey) -> str:
    """The kid: the first 16 hex characters of sha256(raw public key bytes)."""
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()[:16]


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class LicenseSigner:
    """The cloud's Ed25519 signing key: signs licenses, publishes its JWK set."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self.private_key = private_key
        self.kid = key_id(private_key)

    @classmethod
    def load_or_create(cls, data_dir: Path) -> LicenseSigner:
        """The key in ``data_dir``, created (0600) on first start."""
        path = data_dir / SIGNING_KEY_FILE
        if not path.exists():
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            # Another worker may have created it first: then use theirs.
            with contextlib.suppress(FileExistsError):
                _write_private(path, pem)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return cls(key)

    def public_jwk(self) -> dict[str, Any]:
        """The public key as an OKP/Ed25519 JWK with kid, alg and use."""
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def jwk_set(self) -> dict[str, list[dict[str, Any]]]:
        """The JWK set nodes pin: ``{"keys": [...]}``."""
        return {"keys": [self.public_jwk()]}

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact EdDSA JWT of ``claims`` with the license header."""
        headers = {"typ": LICENSE_TYPE, "kid": self.kid}
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers=headers)


def issue_license(
    session: Session, signer: LicenseSigner, node: Node, account: Account, days: int
) -> str:
    """Sign a license for the node with the account's plan and effective features, and
    record it (the node's license expiry is updated in the same transaction)."""
    now = utcnow().replace(microsecond=0)
    expires = now + timedelta(days=days)
    features = effective_features(session, account)
    jti = secrets.token_hex(16)
    claims = {
        "iss": LICENSE_ISSUER,
        "aud": LICENSE_AUDIENCE,
        "sub": node.id,
        "account": account.id,
        "plan": account.plan,
        "features": features,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": jti,
    }
    session.add(
        IssuedLicense(
            jti=jti,
            node_id=node.id,
            account_id=account.id,
            plan=account.plan,
            features=features,
            kid=signer.kid,
            issued_at=now,
            expires_at=expires,
        )
    )
    node.license_expires_at = expires
    session.add(node)
    return signer.sign(claims)
