"""Standard Webhooks signing: the spec's published vector and the reference library agree."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from harbor_webhook import signing
from standardwebhooks import Webhook

from harbor.connector import ConnectorError

# The test vector published with the Standard Webhooks reference libraries
# (libraries/python/tests/test_webhooks.py, test_sign_function).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_PAYLOAD = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def vector_headers(signature: str = VECTOR_SIGNATURE) -> dict[str, str]:
    return {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": signature,
    }


def test_signing_reproduces_the_published_test_vector():
    key = signing.secret_key(VECTOR_SECRET)
    assert signing.signature(key, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_PAYLOAD) == VECTOR_SIGNATURE


def test_signed_headers_carry_the_vector_signature_at_its_timestamp():
    headers = signing.signed_headers(VECTOR_SECRET, VECTOR_ID, VECTOR_PAYLOAD, VECTOR_TIMESTAMP)
    assert headers == vector_headers()


def test_the_reference_library_signs_the_same():
    reference = Webhook(VECTOR_SECRET).sign(
        VECTOR_ID, datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC), VECTOR_PAYLOAD.decode()
    )
    assert reference == VECTOR_SIGNATURE


def test_verify_accepts_the_vector_at_its_own_time():
    found = signing.verify(VECTOR_SECRET, vector_headers(), VECTOR_PAYLOAD, VECTOR_TIMESTAMP + 10)
    assert found == VECTOR_ID


def test_verify_accepts_any_of_several_signatures():
    offered = " ".join(
        [
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "garbage",
            VECTOR_SIGNATURE,
        ]
    )
    assert signing.verify(VECTOR_SECRET, vector_headers(offered), VECTOR_PAYLOAD, VECTOR_TIMESTAMP)


def test_verify_reads_header_names_in_any_case():
    headers = {k.upper(): v for k, v in vector_headers().items()}
    assert signing.verify(VECTOR_SECRET, headers, VECTOR_PAYLOAD, VECTOR_TIMESTAMP) == VECTOR_ID


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="}, "no v1"),
        ({"webhook-signature": "v2," + VECTOR_SIGNATURE[3:]}, "no v1"),
        ({"webhook-signature": "v1,not base64!"}, "no v1"),
        ({"webhook-timestamp": "hello"}, "Unix time"),
        ({"webhook-id": "x" * 300}, "webhook-id"),
        ({"webhook-id": ""}, "missing"),
    ],
)
def test_verify_refuses_bad_headers(change, reason):
    headers = {**vector_headers(), **change}
    with pytest.raises(signing.SignatureError, match=reason):
        signing.verify(VECTOR_SECRET, headers, VECTOR_PAYLOAD, VECTOR_TIMESTAMP)


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_verify_refuses_a_missing_header(header):
    headers = vector_headers()
    del headers[header]
    with pytest.raises(signing.SignatureError, match=f"{header} header is missing"):
        signing.verify(VECTOR_SECRET, headers, VECTOR_PAYLOAD, VECTOR_TIMESTAMP)


def test_verify_refuses_a_changed_body():
    with pytest.raises(signing.SignatureError):
        signing.verify(VECTOR_SECRET, vector_headers(), b'{"test": 2432232315}', VECTOR_TIMESTAMP)


@pytest.mark.parametrize(("offset", "word"), [(301, "old"), (-301, "future")])
def test_verify_allows_five_minutes_of_clock_skew_and_no_more(offset, word):
    assert signing.verify(
        VECTOR_SECRET, vector_headers(), VECTOR_PAYLOAD, VECTOR_TIMESTAMP + offset - offset // 301
    )
    with pytest.raises(signing.SignatureError, match=word):
        signing.verify(VECTOR_SECRET, vector_headers(), VECTOR_PAYLOAD, VECTOR_TIMESTAMP + offset)


@pytest.mark.parametrize(
    "secret", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_***", "whsec_" + "QUJD"]
)
def test_malformed_secrets_are_named_not_shown(secret):
    with pytest.raises(ConnectorError) as caught:
        signing.secret_key(secret)
    assert "signing_secret" in caught.value.message
    assert secret not in caught.value.message


def test_unpadded_secrets_are_accepted():
    padded = "whsec_" + base64.b64encode(b"k" * 32).decode()
    assert signing.secret_key(padded.rstrip("=")) == b"k" * 32


def test_webhook_ids_are_stable_per_reference_and_distinct_across_them():
    first = signing.webhook_id("call", "call_1")
    assert first == signing.webhook_id("call", "call_1")
    assert first.startswith("msg_")
    assert first != signing.webhook_id("call", "call_2")
    assert first != signing.webhook_id("approval.requested", "call_1")
    assert signing.webhook_id("call", None) != signing.webhook_id("call", None)
