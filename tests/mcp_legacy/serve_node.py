"""A Harbor node for the legacy MCP tests, run by the MAIN test environment's Python.

The legacy tests run in a tox environment with ``mcp`` 1.x, where Harbor (which needs
``mcp`` 2.x) cannot be installed; they start this script with the interpreter named by
``HARBOR_MCP_NODE_PYTHON``. It registers a small ``echo`` connector, creates the operator,
prints one JSON line (URL and operator token) and serves on 127.0.0.1 until terminated.

    python serve_node.py PORT HOME
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn

from harbor.api.app import create_app
from harbor.connector import ActionKind, Connector, hookimpl
from harbor.node import Node
from harbor.plugin_manager import PluginManager
from harbor.runtime import identity
from harbor.settings import Settings

OPERATOR_PASSWORD = "legacy mcp operator passphrase"
APPROVAL_WAIT_SECONDS = 15


class EchoConnector(Connector):
    """Answers with the arguments it was given; reaches no outside service."""

    type = "echo"
    title = "Echo"
    config_schema: dict[str, Any] = {"type": "object", "properties": {}}
    action_kinds = {
        "echo": ActionKind(
            title="Echo the arguments",
            definition_schema={"type": "object"},
            default_risk="read",
        )
    }

    async def execute(self, ctx: Any, definition: dict[str, Any], arguments: dict[str, Any]) -> Any:
        return {"echo": arguments}


class EchoPlugin:
    """Registers EchoConnector."""

    @hookimpl
    def harbor_register_connectors(self, register: Any) -> None:
        register(EchoConnector)


def main() -> None:
    port, home = int(sys.argv[1]), Path(sys.argv[2])
    plugins = PluginManager().load_all()
    plugins.register(EchoPlugin(), "echo-plugin")
    settings = Settings(
        data_dir=home / "data",
        config_dir=home / "config",
        port=port,
        log_format="text",
        log_level="warning",
        mcp_approval_wait_seconds=APPROVAL_WAIT_SECONDS,
    )
    node = Node(settings, plugins=plugins).start()
    with node.store.session() as session:
        identity.create_operator(session, OPERATOR_PASSWORD)
        token = identity.create_operator_token(session, "legacy-mcp-tests").token
    url = f"http://127.0.0.1:{port}"
    print(json.dumps({"url": url, "operator_token": token}), flush=True)
    uvicorn.run(create_app(node=node), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
