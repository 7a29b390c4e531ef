"""Manifest checks and ed25519 signatures over canonical JSON."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from harbor.contracts import DockManifest, credential_findings
from harbor.dock.signing import (
    SignatureMismatch,
    SignatureRefused,
    canonical_bytes,
    parse_signature,
    sign_document,
    verify_document,
)
from tests.dock.conftest import MANIFEST_IDS, ROOT, catalog_manifest

SCHEMA = json.loads((ROOT / "schemas" / "dock-manifest.schema.json").read_text())


@pytest.mark.parametrize("manifest_id", MANIFEST_IDS)
def test_catalog_manifest_passes_the_model_and_the_checked_in_schema(manifest_id):
    manifest = catalog_manifest(manifest_id)

    DockManifest.model_validate(manifest)
    assert list(Draft202012Validator(SCHEMA).iter_errors(manifest)) == []


def test_the_schema_refuses_secret_named_keys_at_any_depth():
    manifest = catalog_manifest("slack-messages")
    manifest["actions"][0]["definition"]["headers"] = {"X-Api-Key": "abc"}

    errors = list(Draft202012Validator(SCHEMA).iter_errors(manifest))

    assert errors, "a header named like a secret must be refused by the schema itself"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("ghp_" + "Ab1" * 12, "GitHub token"),
        ("xoxb-123456789012-abcdefghijkl", "Slack token"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "signing secret"),
        ("https://admin:s3cretpass@db.example.org/", "URL with a password"),
        ("sk-proj-" + "a1" * 16, "API key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "private key"),
    ],
)
def test_credential_looking_values_are_found_and_never_echoed(text, label):
    findings = credential_findings({"somewhere": {"deep": [text]}})

    assert [f.pointer for f in findings] == ["/somewhere/deep/0"]
    assert label in findings[0].message
    assert text not in findings[0].message


def test_random_values_under_secret_keys_are_found_but_ordinary_text_is_not():
    assert credential_findings({"client_secret": "Zq8vN2xLw9Rt4Kp7Hj3Fm6Yb"})
    assert not credential_findings({"client_secret": "set it on the node"})
    assert not credential_findings({"description": "Zq8vN2xLw9Rt4Kp7Hj3Fm6Yb"})
    assert not credential_findings({"token_hint": "{token}"})


def test_a_signature_survives_reformatting_but_not_a_change(publisher_key):
    manifest = catalog_manifest("ntfy-notifications")
    signature = sign_document(manifest, publisher_key)
    reformatted = json.loads(json.dumps(manifest, indent=4, sort_keys=True))

    verify_document(reformatted, signature)
    reformatted["actions"][0]["risk"] = "read"
    with pytest.raises(SignatureMismatch):
        verify_document(reformatted, signature)


def test_canonical_bytes_follow_rfc_8785():
    assert canonical_bytes({"b": [1, 2.5, True], "a": "é"}) == '{"a":"é","b":[1,2.5,true]}'.encode()


def test_a_malformed_signature_file_is_refused():
    with pytest.raises(SignatureRefused, match="malformed"):
        parse_signature(b'{"algorithm": "rsa"}')


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("http://127.0.0.1:8600/manifests/a.json", True),
        ("http://127.0.0.1:8600", True),
        ("http://127.0.0.1:86001/manifests/a.json", False),
        ("http://127.0.0.1:8600@evil.example/manifests/a.json", False),
        ("https://127.0.0.1:8600/manifests/a.json", False),
        ("inline", False),
    ],
)
def test_a_source_matches_only_at_a_path_boundary(url, trusted):
    from harbor.dock.trust import source_matches

    assert source_matches(url, ["http://127.0.0.1:8600/"]) is trusted
