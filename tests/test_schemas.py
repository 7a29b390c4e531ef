"""The checked-in JSON Schemas match the contract models."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from harbor.contracts.schemas import SCHEMAS, main, stale_schemas

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


def test_checked_in_schemas_are_current():
    assert stale_schemas(SCHEMA_DIR) == []


def test_each_schema_is_a_valid_2020_12_schema():
    for name in SCHEMAS:
        Draft202012Validator.check_schema(json.loads((SCHEMA_DIR / name).read_text()))


def test_a_changed_schema_is_reported(tmp_path):
    assert main([str(tmp_path)]) == 0
    target = tmp_path / "problem.schema.json"
    target.write_text(target.read_text().replace("RFC 9457", "RFC 7807"))
    assert stale_schemas(tmp_path) == ["problem.schema.json"]
    assert main(["--check", str(tmp_path)]) == 1
