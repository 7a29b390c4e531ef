"""License verification as the contract says: pinned key, kid, alg, typ, aud/iss, sub, exp, iat."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harbor.runtime.cloud.tokens import (
    LicenseRejected,
    load_node_key,
    new_node_key,
    public_jwk,
    save_node_key,
    sign_node_request,
    verify_license,
)

NODE_ID = "node_0123456789abcdef"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class TestCloud:
    """A cloud signing key made in the test, minting licenses the way the contract says."""

    __test__ = False

    def __init__(self, kid: str = "cloudkey00000001") -> None:
        self.key = Ed25519PrivateKey.generate()
        self.kid = kid

    @property
    def jwks(self) -> list[dict[str, Any]]:
        return [{**public_jwk(self.key), "kid": self.kid, "alg": "EdDSA", "use": "sig"}]

    def mint(
        self,
        node_id: str = NODE_ID,
        issued: datetime = NOW,
        days: int = 30,
        features: tuple[str, ...] = ("team",),
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        iat = int(issued.timestamp())
        payload = {
            "iss": "harbor-cloud", "aud": "harbor-node", "sub": node_id, "account": "acct_1",
            "plan": "pro", "features": sorted(features), "iat": iat, "nbf": iat,
            "exp": iat + days * 86400, "jti": secrets.token_hex(8), **claims,
        }  # fmt: skip
        header = {"typ": "harbor-license+jwt", "kid": self.kid, **(headers or {})}
        return jwt.encode(payload, self.key, algorithm="EdDSA", headers=header)


@pytest.fixture
def cloud() -> TestCloud:
    """A cloud key generated for this test."""
    return TestCloud()


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_license_signed_by_the_pinned_key_is_accepted(cloud):
    claims = verify_license(cloud.mint(), cloud.jwks, NODE_ID, NOW + timedelta(days=1))
    assert claims.plan == "pro"
    assert claims.features == frozenset({"team"})
    assert claims.expires_at == NOW + timedelta(days=30)
    assert claims.key_id == cloud.kid


def test_a_tampered_payload_is_refused(cloud):
    header, payload, signature = cloud.mint(features=()).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["features"] = ["team"]
    forged = f"{header}.{_segment(claims)}.{signature}"
    with pytest.raises(LicenseRejected, match="signature"):
        verify_license(forged, cloud.jwks, NODE_ID, NOW)


def test_an_expired_license_is_refused(cloud):
    token = cloud.mint(issued=NOW - timedelta(days=31))
    with pytest.raises(LicenseRejected, match="expired"):
        verify_license(token, cloud.jwks, NODE_ID, NOW)


def test_a_license_signed_by_another_key_with_the_same_kid_is_refused(cloud):
    impostor = TestCloud(kid=cloud.kid)
    with pytest.raises(LicenseRejected, match="signature"):
        verify_license(impostor.mint(), cloud.jwks, NODE_ID, NOW)


def test_a_license_naming_an_unpinned_kid_is_refused(cloud):
    other = TestCloud(kid="otherkey00000002")
    with pytest.raises(LicenseRejected, match="no pinned cloud key"):
        verify_license(other.mint(), cloud.jwks, NODE_ID, NOW)


def test_the_license_of_another_node_is_refused(cloud):
    token = cloud.mint(node_id="node_ffffffffffffffff")
    with pytest.raises(LicenseRejected, match="not this node"):
        verify_license(token, cloud.jwks, NODE_ID, NOW)


def test_a_replayed_older_license_is_refused(cloud):
    older = cloud.mint(issued=NOW - timedelta(days=2))
    with pytest.raises(LicenseRejected, match="older"):
        verify_license(older, cloud.jwks, NODE_ID, NOW, held_issued_at=NOW - timedelta(days=1))
    same_age = cloud.mint(issued=NOW - timedelta(days=1))
    verify_license(same_age, cloud.jwks, NODE_ID, NOW, held_issued_at=NOW - timedelta(days=1))


def test_alg_none_is_refused(cloud):
    payload = jwt.decode(cloud.mint(), options={"verify_signature": False})
    header = {"alg": "none", "typ": "harbor-license+jwt", "kid": cloud.kid}
    unsigned = f"{_segment(header)}.{_segment(payload)}."
    with pytest.raises(LicenseRejected, match="algorithm"):
        verify_license(unsigned, cloud.jwks, NODE_ID, NOW)


def test_an_hmac_token_keyed_with_the_public_key_is_refused(cloud):
    public = cloud.key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    payload = jwt.decode(cloud.mint(), options={"verify_signature": False})
    token = jwt.encode(
        payload, public, algorithm="HS256", headers={"typ": "harbor-license+jwt", "kid": cloud.kid}
    )
    with pytest.raises(LicenseRejected, match="algorithm"):
        verify_license(token, cloud.jwks, NODE_ID, NOW)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"headers": {"typ": "JWT"}}, "token type"),
        ({"aud": "someone-else"}, "(?i)audience"),
        ({"iss": "not-the-cloud"}, "(?i)issuer"),
    ],
)
def test_wrong_type_audience_or_issuer_is_refused(cloud, change, reason):
    with pytest.raises(LicenseRejected, match=reason):
        verify_license(cloud.mint(**change), cloud.jwks, NODE_ID, NOW)


def test_garbage_is_refused_with_a_reason(cloud):
    with pytest.raises(LicenseRejected, match="not a license"):
        verify_license("not.a.jwt", cloud.jwks, NODE_ID, NOW)


def test_the_node_key_is_saved_private_and_signs_requests_the_cloud_can_check(tmp_path):
    key = new_node_key()
    path = tmp_path / "cloud-node-key.pem"
    save_node_key(path, key)
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = load_node_key(path)

    header = sign_node_request(loaded, NODE_ID, "post", "/api/v1/nodes/x/license", NOW)

    scheme, token = header.split(" ")
    assert scheme == "HarborNode"
    claims = jwt.decode(
        token,
        key.public_key(),
        algorithms=["EdDSA"],
        audience="harbor-cloud",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iss"] == NODE_ID
    assert claims["htm"] == "POST"
    assert claims["htu"] == "/api/v1/nodes/x/license"
    assert 0 < claims["exp"] - claims["iat"] <= 300
