"""Standard Webhooks signatures: signing outgoing deliveries and verifying incoming ones.

The signed content is ``<webhook-id>.<webhook-timestamp>.<body>``; the signature is
``v1,<base64 HMAC-SHA256>`` keyed with the base64-decoded part of the secret after
``whsec_``. A receiver accepts a delivery when any of the space-separated ``v1``
signatures matches and the timestamp is within five minutes of its clock.
See https://www.standardwebhooks.com/.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping

from harbor.connector import ConnectorError

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
TOLERANCE_SECONDS = 5 * 60
MAX_ID_LENGTH = 255


class SignatureError(ConnectorError):
    """An incoming delivery is not signed correctly (bad, stale or missing headers)."""


def secret_key(secret: str, what: str = "signing_secret") -> bytes:
    """The HMAC key of a ``whsec_`` secret; ConnectorError naming ``what`` if malformed."""
    if not secret.startswith(SECRET_PREFIX):
        raise ConnectorError(f"the port's {what} must start with '{SECRET_PREFIX}'; set it again")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ConnectorError(
            f"the port's {what} is not '{SECRET_PREFIX}' followed by base64; set it again"
        ) from None
    if len(key) < 16:
        raise ConnectorError(f"the port's {what} is too short (fewer than 16 bytes); set it again")
    return key


def signature(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one delivery."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def signed_headers(
    secret: str, webhook_id: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, signed with ``secret``."""
    timestamp = int(now if now is not None else time.time())
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret_key(secret), webhook_id, timestamp, body),
    }


def webhook_id(purpose: str, reference: str | None) -> str:
    """A ``msg_`` id derived from what is delivered, so every retry carries the same one.

    Without a reference (a draft's test run) the id is random.
    """
    if reference is None:
        return f"msg_{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{purpose}:{reference}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    if not value:
        raise SignatureError(f"the {name} header is missing")
    return value


def _decoded(candidate: str) -> bytes | None:
    version, _, encoded = candidate.partition(",")
    if version != SIGNATURE_VERSION or not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None) -> str:
    """Check a delivery's signature and timestamp; return its webhook-id or raise SignatureError."""
    key = secret_key(secret, "inbound_secret")
    msg_id = _header(headers, "webhook-id")
    if len(msg_id) > MAX_ID_LENGTH or not msg_id.isprintable():
        raise SignatureError(
            f"the webhook-id header is not an id of at most {MAX_ID_LENGTH} characters"
        )
    raw_timestamp = _header(headers, "webhook-timestamp")
    if not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise SignatureError("the webhook-timestamp header is not a Unix time in seconds")
    timestamp = int(raw_timestamp)
    skew = (now if now is not None else time.time()) - timestamp
    if abs(skew) > TOLERANCE_SECONDS:
        direction = "old" if skew > 0 else "far in the future"
        raise SignatureError(
            f"the webhook-timestamp is too {direction} ({abs(int(skew))}s off; at most "
            f"{TOLERANCE_SECONDS}s are accepted)"
        )
    expected = base64.b64decode(signature(key, msg_id, timestamp, body).partition(",")[2])
    offered = [_decoded(part) for part in _header(headers, "webhook-signature").split(" ")]
    # Compare every candidate (no early exit) so timing does not tell which one matched.
    matched = False
    for candidate in offered:
        if candidate is not None and hmac.compare_digest(candidate, expected):
            matched = True
    if not matched:
        raise SignatureError("no v1 signature in webhook-signature matches the body")
    return msg_id
