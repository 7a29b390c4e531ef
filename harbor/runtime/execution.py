"""Running connector code once: connection checks and draft test runs.

Database work happens in worker threads; the connector's coroutine runs on the event loop
with the node's shared outbound client.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
from sqlmodel import Session

from harbor.connector import AuthFailed, CallContext, CheckResult, Connector, ConnectorError
from harbor.contracts import PortPublic, ProblemError
from harbor.errors import PortNotReady
from harbor.node import Node
from harbor.runtime import oauth, secrets
from harbor.runtime.audit import Actor, record_change
from harbor.runtime.connectors import get_connector
from harbor.runtime.outbound import OutboundPolicy, client_for
from harbor.runtime.ports import get_port, port_public, port_status
from harbor.store.ports import Port
from harbor.store.types import utcnow

CHECK_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class PreparedPort:
    """A port's connector, config and resolved secrets, ready for one run."""

    name: str
    connector: Connector
    config: dict[str, Any]
    secrets: dict[str, str]

    def context(
        self, node: Node, *, http: httpx.AsyncClient | None = None, **extra: Any
    ) -> CallContext:
        """The CallContext handed to the connector (``http``: the call's guarded client)."""
        return CallContext(
            port=self.name,
            config=self.config,
            secrets=self.secrets,
            http=http or node.outbound(),
            **extra,
        )


def prepare_port(node: Node, name: str) -> PreparedPort:
    """Load a port and resolve its secrets (blocking: call from a worker thread)."""
    with node.store.read_session() as session:
        return prepare_port_in(session, node, get_port(session, name))


#: A call on a port in any other status fails fast with ``port_not_ready`` (DESIGN).
CALLABLE_PORT_STATUSES = ("ready", "unhealthy")


def prepare_callable_port(session: Session, node: Node, port: Port) -> PreparedPort:
    """The port ready for a call, its secrets resolved once; PortNotReady naming the status."""
    connector = node.connectors.get(port.connector)
    resolved: dict[str, str] = {}
    if port.disabled or connector is None:
        status: str = "disabled"
    else:
        resolved = secrets.resolve_secrets(session, node.secret_box(), port)
        status = port_status(port, connector, set(resolved))
    if connector is None or status not in CALLABLE_PORT_STATUSES:
        raise PortNotReady(f"port '{port.name}' is {status}; the operator must fix it first")
    return PreparedPort(port.name, connector, dict(port.config), resolved)


def prepare_port_in(session: Session, node: Node, port: Port) -> PreparedPort:
    """A loaded port with its connector and resolved secrets, in the caller's session."""
    connector = get_connector(node, port.connector)
    resolved = secrets.resolve_secrets(session, node.secret_box(), port)
    return PreparedPort(port.name, connector, dict(port.config), resolved)


def port_policy(config: dict[str, Any]) -> OutboundPolicy:
    """Where a port's connector may send requests, from its config."""
    return OutboundPolicy.from_config(config)


def connector_error(err: BaseException) -> ProblemError:
    """What the operator reads about a failed run (messages come from the connector)."""
    if isinstance(err, TimeoutError):
        return ProblemError(pointer="", message="the connector did not answer in time")
    if isinstance(err, ConnectorError):
        return ProblemError(pointer="", message=err.message)
    return ProblemError(pointer="", message=f"the connector failed: {err.__class__.__name__}")


def json_result(value: Any) -> Any:
    """The connector's result as plain JSON (refusing what cannot be serialised)."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as err:
        raise ConnectorError(f"the connector returned a result that is not JSON: {err}") from err


async def check_port(node: Node, name: str, actor: Actor) -> PortPublic:
    """Run the connector's connection test and store its outcome on the port."""
    prepared = await anyio.to_thread.run_sync(prepare_port, node, name)
    auth_failed = False
    try:
        prepared = await with_oauth_token(node, prepared, None)
        async with client_for(node.outbound(), port_policy(prepared.config)) as http:
            result = await asyncio.wait_for(
                prepared.connector.check(prepared.context(node, http=http)),
                CHECK_TIMEOUT_SECONDS,
            )
    except AuthFailed as err:
        result, auth_failed = CheckResult(ok=False, message=err.message), True
    except Exception as err:  # any connector failure is a failed check, not a 500
        result = CheckResult(ok=False, message=connector_error(err).message)
    return await anyio.to_thread.run_sync(_store_check, node, name, actor, result, auth_failed)


def _store_check(
    node: Node, name: str, actor: Actor, result: CheckResult, auth_failed: bool
) -> PortPublic:
    with node.store.session(actor) as session:
        port = get_port(session, name)
        port.last_check_ok = result.ok
        port.last_check_message = result.message[:2000]
        port.last_check_at = utcnow()
        port.auth_failed = auth_failed
        session.add(port)
        record_change(
            session,
            "port.checked",
            f"port:{name}",
            outcome="ok" if result.ok else ("auth_failed" if auth_failed else "failed"),
            details={"message": result.message[:500]},
        )
        return port_public(session, node, port)


async def run_once(
    node: Node,
    prepared: PreparedPort,
    kind: str,
    definition: dict[str, Any],
    arguments: dict[str, Any],
    *,
    action: str,
    timeout: float = CHECK_TIMEOUT_SECONDS,
    call_id: str | None = None,
    trace_id: str | None = None,
) -> Any:
    """Execute one action on the port and return its JSON result (raises on failure).

    The connector gets a client on the node's pool under the port's outbound policy, so
    the SSRF guard and the port's allowed hosts hold for every request it makes.
    """

    async def run() -> Any:
        ready = await with_oauth_token(node, prepared, kind)
        async with client_for(node.outbound(), port_policy(ready.config), trace_id) as http:
            ctx = ready.context(node, http=http, kind=kind, action=action, call_id=call_id)
            return await ready.connector.execute(ctx, definition, arguments)

    # The token refresh (if one is due) counts against the call's time budget too.
    return json_result(await asyncio.wait_for(run(), timeout))


async def with_oauth_token(node: Node, prepared: PreparedPort, kind: str | None) -> PreparedPort:
    """For an OAuth connector, the port with a fresh ``access_token`` among its secrets."""
    if prepared.connector.oauth is None:
        return prepared
    token = await oauth.fresh_access_token(node, prepared.name, prepared.connector, kind)
    return dataclasses.replace(prepared, secrets=oauth.call_secrets(prepared.secrets, token))
