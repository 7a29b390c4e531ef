"""Which manifests a node trusts: signed by a trusted publisher, or from a source allowed to be
unsigned. Pure functions over the operator's settings, shared by the import and its tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harbor.contracts import DockSignature, OperatorSettings
from harbor.dock.signing import key_id, verify_document
from harbor.errors import Forbidden

#: The "source" of a manifest sent in the request body rather than fetched.
INLINE_SOURCE = "inline"


def source_matches(source: str, prefixes: Iterable[str]) -> bool:
    """Whether ``source`` (a URL, or ``inline``) is under one of ``prefixes``."""
    for prefix in prefixes:
        if prefix == INLINE_SOURCE:
            if source == INLINE_SOURCE:
                return True
            continue
        base = prefix.rstrip("/")
        if base and (source == base or source.startswith(base + "/")):
            return True
    return False


def check_trust(
    document: Any,
    signature: DockSignature | None,
    source: str,
    settings: OperatorSettings,
) -> tuple[bool, bool, str | None]:
    """(signed, trusted, key id) of a manifest, or the reason it is refused."""
    unsigned_ok = source_matches(source, settings.unsigned_dock_sources)
    if signature is None:
        if unsigned_ok:
            return False, False, None
        raise Forbidden(
            f"the manifest from {source} is not signed; import signed manifests, or add the "
            "source to unsigned_dock_sources in the operator settings to allow unsigned ones"
        )
    verify_document(document, signature)  # a tampered manifest is refused whatever the source
    signer = key_id(signature.public_key)
    trusted_keys = {key.strip() for key in settings.trusted_dock_publishers}
    if signature.public_key in trusted_keys:
        return True, True, signer
    if unsigned_ok:
        return True, False, signer
    raise Forbidden(
        f"the manifest is signed by key {signer}, which is not a trusted Dock publisher; if "
        f"you trust it, add {signature.public_key} to trusted_dock_publishers"
    )
