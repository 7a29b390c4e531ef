"""Licenses: EdDSA JWTs with the contract's header and claims, verifiable with the JWK set."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from typing import Any

import jwt
import pytest
from jwt import PyJWKSet
from starlette.testclient import TestClient

from harbor_cloud.context import Cloud
from harbor_cloud.licenses import SIGNING_KEY_FILE, LicenseSigner


def verify(token: str, keys: list[dict[str, Any]], node_id: str) -> dict[str, Any]:
    """Verify a license the way a node does: pinned key by kid, EdDSA, typ, iss, aud, sub."""
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "harbor-license+jwt"
    key = PyJWKSet.from_dict({"keys": keys})[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["EdDSA"], audience="harbor-node", issuer="harbor-cloud"
    )
    assert claims["sub"] == node_id
    return claims


def test_jwk_set_publishes_the_ed25519_key_with_its_kid(client: TestClient, cloud: Cloud) -> None:
    keys = client.get("/api/v1/keys").json()["keys"]
    assert len(keys) == 1
    jwk = keys[0]
    assert {k: jwk[k] for k in ("kty", "crv", "alg", "use")} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
    }
    raw = jwt.utils.base64url_decode(jwk["x"])
    assert jwk["kid"] == hashlib.sha256(raw).hexdigest()[:16] == cloud.signer.kid
    assert "d" not in jwk


def test_signing_key_is_private_and_survives_a_restart(cloud: Cloud) -> None:
    path = cloud.settings.data_dir / SIGNING_KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert LicenseSigner.load_or_create(cloud.settings.data_dir).kid == cloud.signer.kid


def test_enrollment_license_has_the_contract_claims(
    client: TestClient, member: Any, enroll: Any
) -> None:
    owner = member()
    node, enrolled = enroll(owner)
    claims = verify(enrolled["license"], enrolled["keys"], node.node_id)
    assert claims["account"] == owner["account"]["id"]
    assert claims["plan"] == "community"
    assert claims["features"] == []
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == 30 * 86400
    assert abs(claims["iat"] - time.time()) < 60
    assert len(claims["jti"]) >= 16


def test_license_of_a_pro_account_carries_its_features(
    client: TestClient, member: Any, admin: Any, enroll: Any
) -> None:
    owner = member()
    patched = client.patch(
        f"/api/v1/admin/accounts/{owner['account']['id']}",
        headers=admin["headers"],
        json={"plan": "pro"},
    )
    assert patched.status_code == 200
    node, enrolled = enroll(owner)
    claims = verify(enrolled["license"], enrolled["keys"], node.node_id)
    assert (claims["plan"], claims["features"]) == ("pro", ["team"])


def test_a_license_does_not_verify_under_another_key(
    client: TestClient, member: Any, enroll: Any, tmp_path: Any
) -> None:
    node, enrolled = enroll(member())
    other = LicenseSigner.load_or_create(tmp_path / "other-cloud")
    forged_keys = [{**other.public_jwk(), "kid": enrolled["keys"][0]["kid"]}]
    with pytest.raises(jwt.InvalidSignatureError):
        verify(enrolled["license"], forged_keys, node.node_id)


def test_refresh_returns_a_newer_license_and_updates_the_node(
    client: TestClient, member: Any, enroll: Any
) -> None:
    owner = member()
    node, enrolled = enroll(owner)
    path = f"/api/v1/nodes/{node.node_id}/license"
    time.sleep(1.1)  # iat has one-second resolution
    refreshed = client.post(
        path, headers=node.headers("POST", path), json={"name": "renamed", "version": "0.2.0"}
    )
    assert refreshed.status_code == 200, refreshed.text
    old = verify(enrolled["license"], enrolled["keys"], node.node_id)
    new = verify(refreshed.json()["license"], refreshed.json()["keys"], node.node_id)
    assert new["iat"] > old["iat"]
    assert new["jti"] != old["jti"]
    listed = client.get("/api/v1/nodes", headers=owner["headers"]).json()["nodes"][0]
    assert (listed["name"], listed["version"]) == ("renamed", "0.2.0")
    assert listed["last_seen_at"] > listed["enrolled_at"]
