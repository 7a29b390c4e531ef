"""Forms built from JSON Schemas, and reading posted forms back into typed values.

A connector's config schema becomes one labelled input per property: secrets (``writeOnly``)
as password inputs that only say "set / not set", enums as selects, booleans as checkboxes,
lists of strings as one-per-line text, anything richer as a JSON editor. Reading the form
back turns each input into the JSON type the schema asks for, or raises ``InvalidRequest``
pointing at the field, so the page can show the problem next to what the operator typed.
This module has no ``router``: it holds no page of its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from harbor.contracts import SecretSet
from harbor.errors import InvalidRequest

FieldKind = Literal["secret", "text", "number", "integer", "boolean", "select", "lines", "json"]
CONFIG_PREFIX = "config."
SECRET_PREFIX = "secret."
REFERENCE_PREFIX = "reference."
M = TypeVar("M", bound=BaseModel)
FORM_PROBLEM = "Some fields need a change:"
#: Pydantic's messages, where they are too technical for a form.
FRIENDLY_MESSAGES = {
    "string_pattern_mismatch": "not in the expected form (see the hint under the field)",
    "missing": "required",
}


@dataclass
class FormField:
    """One input of a schema-built form, ready for the template."""

    name: str
    label: str
    kind: FieldKind
    value: str = ""
    checked: bool = False
    required: bool = False
    hint: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    is_set: bool = False

    @property
    def input_name(self) -> str:
        """The form field's name: secrets and config values never share a namespace."""
        return (SECRET_PREFIX if self.kind == "secret" else CONFIG_PREFIX) + self.name


def _kind(prop: Mapping[str, Any], is_secret: bool) -> FieldKind:
    if is_secret:
        return "secret"
    if "enum" in prop:
        return "select"
    kind = prop.get("type")
    if kind in ("boolean", "number", "integer", "string"):
        return "text" if kind == "string" else kind
    items = prop.get("items")
    if kind == "array" and isinstance(items, Mapping) and items.get("type") == "string":
        return "lines"
    return "json"


def _display(kind: FieldKind, value: Any) -> str:
    if value is None:
        return ""
    if kind == "lines":
        return "\n".join(str(item) for item in value)
    if kind == "json":
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)


def _hint(prop: Mapping[str, Any], kind: FieldKind) -> str:
    parts = [str(prop.get("description", "")).strip()]
    if kind == "lines":
        parts.append("One per line.")
    if "default" in prop and kind not in ("secret", "json"):
        parts.append(f"Default: {_display(kind, prop['default']) or 'empty'}.")
    return " ".join(p for p in parts if p)


def schema_fields(
    schema: Mapping[str, Any],
    values: Mapping[str, Any],
    secret_fields: list[str],
    secrets_set: set[str] | frozenset[str] = frozenset(),
) -> list[FormField]:
    """The inputs for every property of ``schema``, filled from ``values`` (never secrets)."""
    required = set(schema.get("required", []))
    fields: list[FormField] = []
    for name, prop in (schema.get("properties") or {}).items():
        kind = _kind(prop, name in secret_fields)
        value = values.get(name, prop.get("default") if kind == "json" else None)
        item = FormField(
            name=name,
            label=str(prop.get("title") or name.replace("_", " ").capitalize()),
            kind=kind,
            value="" if kind == "secret" else _display(kind, value),
            checked=bool(values.get(name, prop.get("default", False))),
            required=name in required,
            hint=_hint(prop, kind),
            is_set=name in secrets_set,
        )
        if kind == "select":
            choices = [("", "— not set —")] if name not in required else []
            item.options = choices + [(str(v), str(v)) for v in prop["enum"]]
        fields.append(item)
    return fields


def refill(fields: list[FormField], form: Mapping[str, Any]) -> list[FormField]:
    """The fields again with what the operator typed (after an error); secrets stay empty."""
    for item in fields:
        raw = form.get(item.input_name)
        if item.kind == "boolean":
            item.checked = raw is not None
        elif item.kind != "secret":
            item.value = raw if isinstance(raw, str) else ""
    return fields


def _problem(name: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        FORM_PROBLEM,
        status=422,
        extra={"errors": [{"pointer": f"/config/{name}", "message": message}]},
    )


def _read_value(item: FormField, raw: str, prop: Mapping[str, Any]) -> Any:
    """The typed value of one non-empty input."""
    if item.kind == "integer":
        try:
            return int(raw)
        except ValueError as err:
            raise _problem(item.name, "enter a whole number") from err
    if item.kind == "number":
        try:
            number = float(raw)
        except ValueError as err:
            raise _problem(item.name, "enter a number") from err
        return int(number) if number.is_integer() else number
    if item.kind == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()] or None
    if item.kind == "json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as err:
            raise _problem(item.name, f"not valid JSON ({err.msg}, line {err.lineno})") from err
    if item.kind == "select":
        return next((v for v in prop["enum"] if str(v) == raw), raw)
    return raw


def read_schema_form(
    schema: Mapping[str, Any], secret_fields: list[str], form: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, SecretSet]]:
    """(config, secrets) from a posted schema form; empty inputs are left out.

    A secret left empty keeps its current value: the form never shows one to send back.
    """
    config: dict[str, Any] = {}
    properties = schema.get("properties") or {}
    for item in schema_fields(schema, {}, secret_fields):
        raw = form.get(item.input_name)
        text = raw.strip() if isinstance(raw, str) else ""
        if item.kind == "secret":
            continue
        if item.kind == "boolean":
            config[item.name] = text != ""
        elif text:
            value = _read_value(item, text, properties[item.name])
            if value is not None:
                config[item.name] = value
    return config, read_secrets(secret_fields, form)


def read_secrets(secret_fields: list[str], form: Mapping[str, Any]) -> dict[str, SecretSet]:
    """The secrets a form sets: a typed value, or a reference to where the value is kept.

    A secret with both is refused rather than guessed; one with neither keeps its value.
    """
    secrets: dict[str, SecretSet] = {}
    for name in secret_fields:
        value = form.get(SECRET_PREFIX + name)
        reference = str(form.get(REFERENCE_PREFIX + name) or "").strip()
        if isinstance(value, str) and value != "" and reference:
            raise InvalidRequest(
                f"{name}: type the value or give a reference, not both",
                status=422,
                extra={
                    "errors": [{"pointer": f"/secrets/{name}", "message": "value and reference"}]
                },
            )
        if isinstance(value, str) and value != "":
            secrets[name] = SecretSet(value=value)
        elif reference:
            secrets[name] = build_model(SecretSet, {"reference": reference})
    return secrets


def parse_json_object(raw: str, label: str) -> dict[str, Any]:
    """A JSON object typed into a textarea, or InvalidRequest naming the field."""
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError as err:
        raise InvalidRequest(f"{label} is not valid JSON: {err.msg} (line {err.lineno})") from err
    if not isinstance(value, dict):
        raise InvalidRequest(f"{label} must be a JSON object, in braces {{ }}")
    return value


def split_lines(raw: str) -> list[str]:
    """The non-empty lines (or comma-separated items) of a text input."""
    return [item.strip() for line in raw.splitlines() for item in line.split(",") if item.strip()]


def build_model(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate form data into a contract model; a bad field becomes a located InvalidRequest."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        errors = [
            {
                "pointer": "/" + "/".join(str(p) for p in item["loc"]),
                "message": FRIENDLY_MESSAGES.get(item["type"], str(item["msg"])),
            }
            for item in err.errors()
        ]
        raise InvalidRequest(FORM_PROBLEM, status=422, extra={"errors": errors}) from err
