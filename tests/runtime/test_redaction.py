"""Redaction: sensitive arguments become keyed tokens, at any depth, correlatable but unreadable."""

from __future__ import annotations

import re

from harbor.runtime.redaction import (
    TOKEN_PREFIX,
    derive_redaction_key,
    is_redacted,
    redact,
    redaction_key,
    redaction_token,
)

KEY = b"k" * 32
TOKEN = re.compile(r"^hmac-sha256:[0-9a-f]{32}$")
SENSITIVE = {"type": "string", "x-harbor-sensitive": True}


def test_a_marked_property_becomes_a_token_and_others_stay():
    schema = {"type": "object", "properties": {"to": SENSITIVE, "subject": {"type": "string"}}}
    out = redact(schema, {"to": "alice@example.com", "subject": "hi"}, KEY)
    assert TOKEN.match(out["to"])
    assert out["subject"] == "hi"
    assert "alice" not in str(out)


def test_equal_values_give_equal_tokens_and_different_values_do_not():
    schema = {"type": "object", "properties": {"a": SENSITIVE, "b": SENSITIVE, "c": SENSITIVE}}
    out = redact(schema, {"a": "same", "b": "same", "c": "other"}, KEY)
    assert out["a"] == out["b"] != out["c"]


def test_the_token_depends_on_the_key():
    schema = {"type": "object", "properties": {"a": SENSITIVE}}
    assert redact(schema, {"a": "x"}, KEY) != redact(schema, {"a": "x"}, b"j" * 32)


def test_nested_objects_and_arrays_are_walked():
    schema = {
        "type": "object",
        "properties": {
            "recipients": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"email": SENSITIVE, "name": {"type": "string"}},
                },
            },
            "pair": {"type": "array", "prefixItems": [{"type": "string"}, SENSITIVE]},
            "headers": {"type": "object", "additionalProperties": SENSITIVE},
        },
    }
    arguments = {
        "recipients": [{"email": "a@x.dev", "name": "A"}, {"email": "b@x.dev", "name": "B"}],
        "pair": ["public", "secret-part"],
        "headers": {"Authorization": "Bearer abc"},
    }
    out = redact(schema, arguments, KEY)
    assert [r["name"] for r in out["recipients"]] == ["A", "B"]
    assert all(TOKEN.match(r["email"]) for r in out["recipients"])
    assert out["pair"][0] == "public"
    assert TOKEN.match(out["pair"][1])
    assert TOKEN.match(out["headers"]["Authorization"])
    assert arguments["pair"][1] == "secret-part", "the input is not changed"


def test_a_sensitive_object_is_redacted_whole():
    schema = {
        "type": "object",
        "properties": {"card": {"type": "object", "x-harbor-sensitive": True}},
    }
    out = redact(schema, {"card": {"number": "4111", "cvc": "123"}}, KEY)
    assert out["card"] == redaction_token(KEY, {"cvc": "123", "number": "4111"})


def test_refs_and_combinators_are_followed():
    schema = {
        "$defs": {"secret": SENSITIVE},
        "type": "object",
        "properties": {"token": {"$ref": "#/$defs/secret"}},
        "allOf": [{"properties": {"pin": SENSITIVE}}],
        "anyOf": [{"properties": {"otp": {"oneOf": [SENSITIVE]}}}],
    }
    out = redact(schema, {"token": "t", "pin": "1234", "otp": "999", "plain": 1}, KEY)
    assert all(is_redacted(out[name]) for name in ("token", "pin", "otp"))
    assert out["plain"] == 1


def test_a_recursive_schema_does_not_loop():
    schema = {
        "$ref": "#/$defs/node",
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"secret": SENSITIVE, "child": {"$ref": "#/$defs/node"}},
            }
        },
    }
    value: dict[str, object] = {"secret": "s0"}
    for i in range(1, 5):
        value = {"secret": f"s{i}", "child": value}
    out = redact(schema, value, KEY)
    assert "s0" not in str(out)
    assert "s4" not in str(out)


def test_without_markers_nothing_changes():
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    assert redact(schema, {"q": "x", "extra": [1, 2]}, KEY) == {"q": "x", "extra": [1, 2]}
    assert redact({}, {"q": "x"}, KEY) == {"q": "x"}


def test_the_node_key_is_derived_from_its_secret_key_and_stable(harbor_node):
    key = redaction_key(harbor_node)
    assert len(key) == 32
    assert key == redaction_key(harbor_node)
    raw = harbor_node.secret_box().key_b64.encode()
    assert key not in (raw, derive_redaction_key(b"another key of 32 bytes ........"))
    assert redaction_token(key, "v").startswith(TOKEN_PREFIX)
