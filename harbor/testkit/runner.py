"""Run a connector's actions the way the core does, without a port or a stored call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from harbor.connector import CallContext, CheckResult, Connector

T = TypeVar("T")


class ConnectorRunner:
    """Drives one connector instance through the core's guarded outbound client.

    Each run builds the :class:`~harbor.connector.CallContext` the core would build for a
    port with ``config`` and ``secrets``: its ``http`` client enforces the port's
    ``allowed_hosts`` and ``allow_private_hosts`` and the SSRF guard, so a test that reaches
    an :class:`~harbor.testkit.Upstream` on 127.0.0.1 lists ``"127.0.0.1"`` in
    ``allow_private_hosts`` just as an operator would.
    """

    def __init__(
        self,
        connector: Connector,
        port: str = "test",
        base_config: Mapping[str, Any] | None = None,
        base_secrets: Mapping[str, str] | None = None,
    ) -> None:
        self.connector = connector
        self.port = port
        self.base_config = dict(base_config or {})
        self.base_secrets = dict(base_secrets or {})

    def run(
        self,
        use: Callable[[CallContext], Awaitable[T]],
        *,
        config: Mapping[str, Any] | None = None,
        secrets: Mapping[str, str] | None = None,
        kind: str | None = None,
        action: str | None = None,
        call_id: str | None = None,
    ) -> T:
        """Run ``use(ctx)`` with a fresh context; ``config`` is merged over ``base_config``,
        ``secrets`` replaces ``base_secrets`` when given."""
        from harbor.runtime.outbound import OutboundPolicy, client_for, create_outbound_client

        merged = {**self.base_config, **(config or {})}
        resolved = dict(self.base_secrets if secrets is None else secrets)

        async def main() -> T:
            policy = OutboundPolicy.from_config(merged)
            # A pool per run: its connections belong to this event loop, which ends with it.
            async with create_outbound_client() as pool, client_for(pool, policy) as http:
                ctx = CallContext(
                    port=self.port, config=merged, secrets=resolved, http=http, kind=kind,
                    action=action or (f"{self.port}.{kind}" if kind else None), call_id=call_id,
                )  # fmt: skip
                return await use(ctx)

        return asyncio.run(main())

    def execute(
        self,
        kind: str,
        arguments: Mapping[str, Any] | None = None,
        definition: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Any:
        """Run one action of ``kind``; returns its result or raises what the connector raises."""
        return self.run(
            lambda ctx: self.connector.execute(ctx, dict(definition or {}), dict(arguments or {})),
            kind=kind,
            **options,
        )

    def check(self, **options: Any) -> CheckResult:
        """Run the connector's connection test."""
        return self.run(self.connector.check, **options)
