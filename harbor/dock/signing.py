"""ed25519 signatures over canonical JSON, for Dock manifests and Dock indexes.

The signed bytes are the document's RFC 8785 (JSON Canonicalization Scheme) form: object
keys sorted by UTF-16 code units, no insignificant whitespace, strings minimally escaped
and UTF-8 encoded, numbers in their shortest ECMAScript form. Anyone can recompute them
from the parsed JSON, however the file was formatted. The signature is detached: it lives
next to the document (``<file>.sig``) as a small JSON object with the signer's public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from harbor.contracts import DockSignature
from harbor.errors import ConfigError, Forbidden, InvalidRequest

KEY_PREFIX = "ed25519:"


class SignatureRefused(InvalidRequest):
    """A signature file is malformed."""


class SignatureMismatch(Forbidden):
    """A signature does not match the document: it was changed, or signed with another key."""


def canonical_bytes(document: Any) -> bytes:
    """The RFC 8785 canonical JSON bytes of ``document``: what is signed and verified."""
    try:
        return rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as err:
        raise InvalidRequest(f"the document cannot be canonicalised: {err}", status=422) from err


def public_key_text(key: Ed25519PublicKey) -> str:
    """``ed25519:<base64 of the 32 raw bytes>``: how keys are written and trusted."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    """The key written as ``ed25519:<base64>``; InvalidRequest when it is not one."""
    body = text.strip().removeprefix(KEY_PREFIX)
    try:
        raw = base64.b64decode(body, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as err:
        raise InvalidRequest(
            f"not an ed25519 public key: expected {KEY_PREFIX}<base64 of 32 bytes>"
        ) from err


def key_id(public_key: str) -> str:
    """A short, stable name for a key: the first 16 hex digits of SHA-256 over its bytes."""
    raw = base64.b64decode(public_key.strip().removeprefix(KEY_PREFIX))
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_key(path: Path) -> Ed25519PrivateKey:
    """A new publisher key, written to ``path`` (PKCS#8 PEM, mode 0600); never overwrites."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as err:
        raise ConfigError(f"{path} already exists; refusing to overwrite a key") from err
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The publisher key in ``path`` (written by ``harbor dock keygen``)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"cannot read the key {path}: {err.strerror}") from err
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{path} is not an unencrypted PEM private key") from err
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an ed25519 key; make one with `harbor dock keygen`")
    return key


def sign_document(document: Any, key: Ed25519PrivateKey) -> DockSignature:
    """The detached signature of ``document``'s canonical bytes."""
    signature = key.sign(canonical_bytes(document))
    return DockSignature(
        public_key=public_key_text(key.public_key()),
        signature=base64.b64encode(signature).decode("ascii"),
    )


def parse_signature(raw: bytes | str | dict[str, Any]) -> DockSignature:
    """A ``.sig`` file's content as a signature; SignatureRefused when malformed."""
    try:
        data = json.loads(raw) if isinstance(raw, bytes | str) else raw
        return DockSignature.model_validate(data)
    except (ValueError, ValidationError) as err:
        raise SignatureRefused(
            "the signature file is malformed: expected {algorithm, public_key, signature}",
            status=422,
        ) from err


def verify_document(document: Any, signature: DockSignature) -> None:
    """Raise SignatureMismatch unless ``signature`` signs ``document``'s canonical bytes."""
    public = parse_public_key(signature.public_key)
    try:
        public.verify(base64.b64decode(signature.signature), canonical_bytes(document))
    except (InvalidSignature, binascii.Error) as err:
        raise SignatureMismatch(
            "the signature does not match the document: it was changed after signing, or "
            "signed with another key"
        ) from err


def write_signed(path: Path, document: Any, key: Ed25519PrivateKey) -> None:
    """Write ``document`` as readable JSON at ``path`` and its signature at ``path.sig``."""
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    signature = sign_document(document, key)
    sig_path = path.with_name(path.name + ".sig")
    sig_path.write_text(json.dumps(signature.model_dump(), indent=2) + "\n", encoding="ascii")
