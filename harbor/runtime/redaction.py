"""Redaction of sensitive call arguments for stored calls, views and audit events.

An action's input schema marks arguments with ``"x-harbor-sensitive": true`` — at any depth:
object properties, ``additionalProperties``, ``patternProperties``, array ``items`` and
``prefixItems``, through local ``$ref`` and ``allOf``/``anyOf``/``oneOf``/``if``-``then``-
``else``. Each marked value becomes ``hmac-sha256:<32 hex>``, a keyed hash of its canonical
JSON: equal values give equal tokens, so the operator can still see "the same recipient as
before" without the value, and nobody without the node's key can test guesses against it.

The key is derived from the node's secret key with HKDF-SHA256, so it needs no storage of its
own; rotating the secret key changes every token from then on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from harbor.connector import SENSITIVE_MARKER
from harbor.runtime.audit import canonical_json

if TYPE_CHECKING:
    from harbor.node import Node

TOKEN_PREFIX = "hmac-sha256:"
TOKEN_HEX_CHARS = 32
KEY_BYTES = 32
HKDF_INFO = b"harbor/redaction/v1"
#: Deeper values are redacted whole: a schema cannot make the walk unbounded.
MAX_DEPTH = 64
#: How many ``$ref``/combinator expansions one value may need (guards recursive schemas).
MAX_EXPANSIONS = 256
_COMBINATORS = ("allOf", "anyOf", "oneOf")
_CONDITIONALS = ("then", "else")

Schema = dict[str, Any]


def redaction_token(key: bytes, value: Any) -> str:
    """``hmac-sha256:`` and the first 32 hex digits of HMAC-SHA256(key, canonical JSON)."""
    digest = hmac.new(key, canonical_json(value), hashlib.sha256).hexdigest()
    return TOKEN_PREFIX + digest[:TOKEN_HEX_CHARS]


def is_redacted(value: Any) -> bool:
    """Whether ``value`` is a redaction token."""
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def redact(schema: Schema, arguments: dict[str, Any], key: bytes) -> dict[str, Any]:
    """A copy of ``arguments`` with every value the schema marks sensitive replaced by a token."""
    redacted = _redact(arguments, [schema], schema, key, 0)
    return redacted if isinstance(redacted, dict) else {}


def derive_redaction_key(secret_key: bytes) -> bytes:
    """The 32-byte redaction key for a node secret key (HKDF-SHA256, no salt, fixed info)."""
    return _derive(bytes(secret_key))


def redaction_key(node: Node) -> bytes:
    """The node's redaction key, derived from its secret key (``HARBOR_SECRET_KEY`` or file)."""
    raw = node.secret_box().key_b64
    return _derive(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))


@lru_cache(maxsize=8)
def _derive(secret_key: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=HKDF_INFO)
    return hkdf.derive(secret_key)


def _redact(value: Any, schemas: list[Any], root: Schema, key: bytes, depth: int) -> Any:
    applicable = _expand(schemas, root)
    if any(s.get(SENSITIVE_MARKER) is True for s in applicable):
        return redaction_token(key, value)
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        return redaction_token(key, value)
    if isinstance(value, dict):
        return {
            name: _redact(item, _property_schemas(applicable, name), root, key, depth + 1)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [
            _redact(item, _item_schemas(applicable, index), root, key, depth + 1)
            for index, item in enumerate(value)
        ]
    return value


def _expand(schemas: list[Any], root: Schema) -> list[Schema]:
    """Every schema that applies to the same value: refs resolved, combinators flattened."""
    found: list[Schema] = []
    pending = [s for s in schemas if isinstance(s, dict)]
    budget = MAX_EXPANSIONS
    while pending and budget > 0:
        budget -= 1
        schema = pending.pop()
        found.append(schema)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = _resolve(root, ref)
            if target is not None:
                pending.append(target)
        for word in _COMBINATORS:
            members = schema.get(word)
            if isinstance(members, list):
                pending += [m for m in members if isinstance(m, dict)]
        for word in _CONDITIONALS:
            if isinstance(schema.get(word), dict):
                pending.append(schema[word])
        dependent = schema.get("dependentSchemas")
        if isinstance(dependent, dict):
            pending += [m for m in dependent.values() if isinstance(m, dict)]
    return found


def _property_schemas(schemas: list[Schema], name: str) -> list[Any]:
    found: list[Any] = []
    for schema in schemas:
        properties = schema.get("properties")
        matched = isinstance(properties, dict) and name in properties
        if matched:
            found.append(properties[name])  # type: ignore[index]
        patterns = schema.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern, sub in patterns.items():
                if _matches(pattern, name):
                    found.append(sub)
                    matched = True
        if not matched and isinstance(schema.get("additionalProperties"), dict):
            found.append(schema["additionalProperties"])
    return found


def _item_schemas(schemas: list[Schema], index: int) -> list[Any]:
    found: list[Any] = []
    for schema in schemas:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(prefix, list) and index < len(prefix):
            found.append(prefix[index])
        elif isinstance(items, list):  # the older tuple form
            if index < len(items):
                found.append(items[index])
            elif isinstance(schema.get("additionalItems"), dict):
                found.append(schema["additionalItems"])
        elif isinstance(items, dict):
            found.append(items)
    return found


def _resolve(root: Schema, ref: str) -> Schema | None:
    """A local ``#/...`` JSON pointer into the root schema; remote refs are not followed."""
    if not ref.startswith("#"):
        return None
    node: Any = root
    for part in ref[1:].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node if isinstance(node, dict) else None


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False
