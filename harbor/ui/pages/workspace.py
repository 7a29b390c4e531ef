"""The port workspace, ``/ports/{port}`` (pinned by DESIGN.md): config, secrets, actions,
drafts, starter templates, recent calls and received events, and for OAuth connectors the
connection. Drafts have their own page, ``/ports/{port}/drafts/{id}``, in
``workspace_drafts.py``; connecting and disconnecting are in ``workspace_oauth.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from harbor.contracts import (
    ActionPublic,
    ActionVersionPublic,
    CallPublic,
    ConnectorInfo,
    DraftPublic,
    PortPublic,
    PortUpdate,
    TemplatesApply,
)
from harbor.errors import HarborError, NotFound
from harbor.node import Node
from harbor.runtime import actions, call_reads, connectors, drafts, inbound, oauth, ports
from harbor.runtime.identity import Principal
from harbor.runtime.oauth_tokens import oauth_metadata
from harbor.ui.pages.schema_forms import (
    FormField,
    read_schema_form,
    read_secrets,
    refill,
    schema_fields,
)
from harbor.ui.rendering import redirect_to, render
from harbor.ui.routing import SECURITY_HEADERS, ui_router
from harbor.ui.sessions import NodeDep, OperatorDep, OperatorSession
from harbor_client.oauth_api import OAuthStatus

router = ui_router()
RECENT_CALLS = 10
RECENT_EVENTS = 10
_HOST_AND_PORT = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")  # nothing that could end a policy


class NothingToSave(HarborError):
    """A form was sent with nothing in it."""

    code = "invalid_request"
    status = 400


@dataclass
class Workspace:
    """Everything the workspace page shows about one port."""

    port: PortPublic
    connector: ConnectorInfo | None
    config_fields: list[FormField]
    secret_fields: list[FormField]
    actions: list[ActionPublic]
    versions: dict[str, list[ActionVersionPublic]]
    drafts: list[DraftPublic]
    templates: list[Any]
    calls: list[CallPublic]
    events: list[Any] | None = None
    event_error: str | None = None
    existing_actions: set[str] = field(default_factory=set)
    oauth: OAuthStatus | None = None
    redirect_uri: str = ""
    authorize_origin: str = ""


def _installed(node: Node, connector_type: str) -> ConnectorInfo | None:
    try:
        return connectors.connector_info(node, connectors.get_connector(node, connector_type))
    except NotFound:  # uninstalled since: the page still shows what the port holds
        return None


def load_workspace(
    node: Node, name: str, principal: Principal, typed: Mapping[str, Any] | None = None
) -> Workspace:
    """Read the port and everything around it (no changes)."""
    with node.store.read_session() as session:
        port = ports.port_public(session, node, ports.get_port(session, name))
        action_list = actions.list_actions(session, name)
        versions = {a.name: actions.list_versions(session, name, a.name) for a in action_list}
        draft_list = drafts.list_drafts(session, name)
    info = _installed(node, port.connector)
    set_names = {s.name for s in port.secrets if s.set}
    fields = (
        schema_fields(info.config_schema, port.config, info.secret_fields, set_names)
        if info
        else []
    )
    if typed is not None:  # after an error: what the operator typed, not what is stored
        fields = refill(fields, typed)
    calls = call_reads.list_calls(
        node, principal, call_reads.CallFilter(port=name), limit=RECENT_CALLS
    ).calls
    space = Workspace(
        port=port,
        connector=info,
        config_fields=[f for f in fields if f.kind != "secret"],
        secret_fields=[f for f in fields if f.kind == "secret"],
        actions=action_list,
        versions=versions,
        drafts=draft_list,
        templates=connectors.list_templates(node, port.connector) if info else [],
        calls=calls,
        existing_actions={a.name for a in action_list}
        | {d.action for d in draft_list if d.status in drafts.OPEN_STATUSES},
    )
    if info is not None and info.oauth:
        _load_connection(node, space)
    if info is not None and info.receives_events:
        try:
            space.events = inbound.list_inbound_events(
                node, principal, name, limit=RECENT_EVENTS
            ).events
        except HarborError as err:
            space.event_error = err.detail
    return space


def _load_connection(node: Node, space: Workspace) -> None:
    """The OAuth connection panel's facts, and where the Connect form sends the browser."""
    port = space.port
    with node.store.read_session() as session:
        space.oauth = oauth.oauth_status(session, node, port.name)
    meta = oauth_metadata(connectors.get_connector(node, port.connector), dict(port.config))
    parts = urlsplit(meta.authorize_url)
    if parts.scheme in ("http", "https") and _HOST_AND_PORT.fullmatch(parts.netloc):
        space.authorize_origin = f"{parts.scheme}://{parts.netloc}"
    space.redirect_uri = oauth.redirect_uri(node)


def _security_policy(space: Workspace) -> str:
    """The console's policy; an OAuth port's page may also post to the provider's sign-in
    (Connect answers with a redirect there, and browsers check redirects of a form too)."""
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    if not space.authorize_origin:
        return policy
    return policy.replace("form-action 'self'", f"form-action 'self' {space.authorize_origin}")


def _page(
    request: Request,
    node: Node,
    operator: OperatorSession,
    name: str,
    error: HarborError | None = None,
    typed: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    space = load_workspace(node, name, operator.principal, typed)
    status = error.status if error else 200
    response = render(request, "workspace/port.html", {"w": space}, status_code=status, error=error)
    response.headers["Content-Security-Policy"] = _security_policy(space)
    return response


@router.get("/ports/{port}")
def workspace_page(
    request: Request, node: NodeDep, operator: OperatorDep, port: str
) -> HTMLResponse:
    """The port workspace."""
    return _page(request, node, operator, port)


async def _change(
    request: Request,
    node: Node,
    operator: OperatorSession,
    port: str,
    change: Any,
    done: str,
    anchor: str = "",
    typed: Mapping[str, Any] | None = None,
) -> HTMLResponse | RedirectResponse:
    """Run ``change(session)`` in one transaction; redirect with ``done``, or show the error
    (with the settings the operator ``typed``, when the form was the settings form)."""

    def apply() -> None:
        with node.store.session(operator.actor) as session:
            change(session)

    try:
        await run_in_threadpool(apply)
    except HarborError as err:
        return await run_in_threadpool(_page, request, node, operator, port, err, typed)
    return redirect_to(request, f"/ports/{port}{anchor}", done)


# --- the port itself ---------------------------------------------------------------------------


@router.post("/ports/{port}/config", response_model=None)
async def save_config(
    request: Request, node: NodeDep, operator: OperatorDep, port: str
) -> HTMLResponse | RedirectResponse:
    """Save the description and the non-secret config (checked against the connector's schema)."""
    form = await request.form()
    description = str(form.get("description", "")).strip()

    def change(session: Any) -> None:
        current = ports.get_port(session, port)
        info = connectors.connector_info(node, connectors.get_connector(node, current.connector))
        config, _ = read_schema_form(info.config_schema, info.secret_fields, form)
        ports.update_port(session, node, port, PortUpdate(description=description, config=config))

    return await _change(
        request,
        node,
        operator,
        port,
        change,
        "Settings saved. Run a connection check to try them.",
        "#settings",
        typed=form,
    )


@router.post("/ports/{port}/secrets", response_model=None)
async def save_secrets(
    request: Request, node: NodeDep, operator: OperatorDep, port: str
) -> HTMLResponse | RedirectResponse:
    """Set or replace the secrets typed in; empty inputs keep their current value."""
    form = await request.form()

    def change(session: Any) -> None:
        current = ports.get_port(session, port)
        info = connectors.connector_info(node, connectors.get_connector(node, current.connector))
        secrets = read_secrets(info.secret_fields, form)
        if not secrets:
            raise NothingToSave(
                "type a value (or a reference) into at least one secret field to set it"
            )
        ports.set_port_secrets(session, node, port, secrets)

    return await _change(
        request,
        node,
        operator,
        port,
        change,
        "Secrets saved. They are never shown again.",
        "#secrets",
    )


@router.post("/ports/{port}/secrets/{secret}/remove", response_model=None)
async def remove_secret(
    request: Request, node: NodeDep, operator: OperatorDep, port: str, secret: str
) -> HTMLResponse | RedirectResponse:
    """Remove one secret."""

    def change(session: Any) -> None:
        ports.delete_port_secret(session, node, port, secret)

    return await _change(
        request, node, operator, port, change, f"Secret {secret} removed.", "#secrets"
    )


@router.post("/ports/{port}/enabled", response_model=None)
async def set_port_enabled(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    enabled: Annotated[bool, Form()],
) -> HTMLResponse | RedirectResponse:
    """Enable or disable the port (a disabled port takes no calls)."""

    def change(session: Any) -> None:
        ports.update_port(session, node, port, PortUpdate(disabled=not enabled))

    done = (
        f"Port {port} enabled." if enabled else f"Port {port} disabled: its actions take no calls."
    )
    return await _change(request, node, operator, port, change, done)


@router.post("/ports/{port}/delete", response_model=None)
async def delete_port(
    request: Request, node: NodeDep, operator: OperatorDep, port: str
) -> HTMLResponse | RedirectResponse:
    """Delete the port with its secrets, actions and drafts."""

    def apply() -> None:
        with node.store.session(operator.actor) as session:
            ports.delete_port(session, port)

    try:
        await run_in_threadpool(apply)
    except HarborError as err:
        return await run_in_threadpool(_page, request, node, operator, port, err)
    return redirect_to(request, "/ports", f"Port {port} deleted.")


# --- actions and templates ---------------------------------------------------------------------


@router.post("/ports/{port}/actions/{action}/state", response_model=None)
async def set_action_state(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    action: str,
    state: Annotated[str, Form(pattern="^(enabled|disabled|archived)$")],
) -> HTMLResponse | RedirectResponse:
    """Enable, disable or archive an action."""

    def change(session: Any) -> None:
        actions.set_action_state(session, port, action, state)  # type: ignore[arg-type]

    return await _change(
        request, node, operator, port, change, f"{port}.{action} is now {state}.", "#actions"
    )


@router.post("/ports/{port}/actions/{action}/rollback", response_model=None)
async def roll_back_action(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    action: str,
    version: Annotated[int, Form(ge=1)],
) -> HTMLResponse | RedirectResponse:
    """Publish an earlier version again, as the newest version."""

    def change(session: Any) -> None:
        actions.rollback_action(session, port, action, version)

    done = (
        f"{port}.{action} rolled back: version {version} is published again as the newest version."
    )
    return await _change(request, node, operator, port, change, done, "#actions")


@router.post("/ports/{port}/templates", response_model=None)
async def apply_templates(
    request: Request,
    node: NodeDep,
    operator: OperatorDep,
    port: str,
    names: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default, never mutates it)
) -> HTMLResponse | RedirectResponse:
    """Add the usual actions: one draft per chosen starter template."""
    created: list[DraftPublic] = []

    def change(session: Any) -> None:
        if not names:
            raise NothingToSave("tick at least one starter action to add")
        created.extend(drafts.apply_templates(session, node, port, TemplatesApply(names=names)))

    response = await _change(request, node, operator, port, change, "", "#drafts")
    if isinstance(response, RedirectResponse):
        added = ", ".join(d.action for d in created)
        return redirect_to(
            request,
            f"/ports/{port}#drafts",
            f"Drafts added: {added}. Validate, test and publish each one.",
        )
    return response
