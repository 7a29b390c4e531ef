"""The benchmark's connector: GET a path on the port's base URL through the core's client."""

from __future__ import annotations

from typing import Any

from harbor.connector import ActionKind, CallContext, Connector, ConnectorError, hookimpl


class BenchGet(Connector):
    """One HTTP GET per call, like the simplest real API read."""

    type = "bench_get"
    title = "Benchmark GET"
    config_schema = {
        "type": "object",
        "properties": {
            "base_url": {"type": "string"},
            "allow_private_hosts": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["base_url"],
    }
    action_kinds = {
        "get": ActionKind(
            title="GET a path",
            definition_schema={
                "type": "object",
                "properties": {"path": {"type": "string"}},
                "required": ["path"],
            },
            default_risk="read",
        )
    }

    async def execute(
        self, ctx: CallContext, definition: dict[str, Any], arguments: dict[str, Any]
    ) -> Any:
        """GET base_url + path + /id and return the JSON answer."""
        url = f"{ctx.config['base_url']}{definition['path']}/{arguments.get('id', 0)}"
        response = await ctx.http.get(url)
        if response.status_code != 200:
            raise ConnectorError(f"upstream answered {response.status_code}")
        return response.json()


@hookimpl
def harbor_register_connectors(register: Any) -> None:
    """Register BenchGet."""
    register(BenchGet)
