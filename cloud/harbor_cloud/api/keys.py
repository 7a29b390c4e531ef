"""The cloud's public signing keys (JWK set), which nodes pin to verify licenses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from harbor_cloud.api.deps import CloudDep

router = APIRouter(tags=["keys"])


@router.get("/keys")
def jwk_set(cloud: CloudDep) -> dict[str, list[dict[str, Any]]]:
    """The JWK set: ``{"keys": [{"kty": "OKP", "crv": "Ed25519", ...}]}``."""
    return cloud.signer.jwk_set()
