"""Generate the checked-in JSON Schemas in ``schemas/`` from the contract models.

Run ``python -m harbor.contracts.schemas`` after changing a contract; a test fails while a
checked-in schema differs from what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from harbor.contracts import (
    AgentCreate,
    DockManifest,
    HarborPack,
    Health,
    OperatorSettings,
    PluginInfo,
    PolicyDecision,
    PolicyRequest,
    Problem,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_PREFIX = "urn:harbor:schema:"

#: file name in schemas/ -> contract model
SCHEMAS: dict[str, type[BaseModel]] = {
    "problem.schema.json": Problem,
    "health.schema.json": Health,
    "plugin-info.schema.json": PluginInfo,
    "agent-create.schema.json": AgentCreate,
    "operator-settings.schema.json": OperatorSettings,
    "policy-request.schema.json": PolicyRequest,
    "policy-decision.schema.json": PolicyDecision,
    "dock-manifest.schema.json": DockManifest,
    "harbor-pack.schema.json": HarborPack,
}


def render_schema(filename: str, model: type[BaseModel]) -> str:
    """The JSON text of one schema, stable across runs."""
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID_PREFIX + filename.removesuffix(".schema.json"),
        **model.model_json_schema(),
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def default_directory() -> Path:
    """``schemas/`` at the top of the source tree."""
    return Path(__file__).resolve().parents[2] / "schemas"


def stale_schemas(directory: Path) -> list[str]:
    """Schema files that are missing or differ from the models."""
    return [
        name
        for name, model in SCHEMAS.items()
        if not (directory / name).is_file()
        or (directory / name).read_text() != render_schema(name, model)
    ]


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = directory / name
        path.write_text(render_schema(name, model))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m harbor.contracts.schemas [--check] [DIR]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    directory = Path(rest[0]) if rest else default_directory()
    if check:
        stale = stale_schemas(directory)
        for name in stale:
            print(f"stale schema: {directory / name}; run python -m harbor.contracts.schemas")
        return 1 if stale else 0
    for path in write_schemas(directory):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
