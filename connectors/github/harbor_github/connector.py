"""The ``github`` connector: the GitHub REST API with a token kept on the node.

A port is one token on GitHub.com or a GitHub Enterprise Server, limited to an allow-list
of repositories. Its action kinds (:mod:`harbor_github.actions`) each call one REST
endpoint (:mod:`harbor_github.api`) and return the useful fields of the answer
(:mod:`harbor_github.shapes`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from harbor.connector import (
    AuthFailed,
    CallContext,
    CheckResult,
    Connector,
    ConnectorError,
    InvalidDefinition,
    JSONSchema,
)
from harbor_github import actions, api, shapes
from harbor_github.actions import ACTION_KINDS, PAGINATED_KINDS
from harbor_github.api import DEFAULT_API_BASE_URL
from harbor_github.templates import TEMPLATES

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: ``owner/name``, or ``owner/*`` for every repository of an owner.
REPOSITORY_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/(\*|[A-Za-z0-9._-]{1,100})$"
HOST_PATTERN = r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"

CONFIG_SCHEMA: JSONSchema = {
    "$schema": SCHEMA_DIALECT,
    "title": "GitHub port",
    "type": "object",
    "properties": {
        "token": {
            "type": "string",
            "minLength": 1,
            "writeOnly": True,
            "description": "A fine-grained personal access token (github_pat_...) or another "
            "token the REST API accepts; give it only the permissions your actions need",
        },
        "api_base_url": {
            "type": "string",
            "format": "uri",
            "pattern": "^https?://",
            "default": DEFAULT_API_BASE_URL,
            "description": "REST API root; for GitHub Enterprise Server use https://HOST/api/v3",
        },
        "repositories": {
            "type": "array",
            "items": {"type": "string", "pattern": REPOSITORY_PATTERN},
            "minItems": 1,
            "uniqueItems": True,
            "description": "Allow-list of repositories actions on this port may touch, as "
            "owner/name or owner/* (every repository of that owner). A call on any other "
            "repository is refused before anything is sent",
        },
        "allowed_hosts": {
            "type": "array",
            "items": {"type": "string", "pattern": HOST_PATTERN},
            "uniqueItems": True,
            "description": "When set, the COMPLETE list of hosts this port may contact, "
            "enforced by the node: include the host of api_base_url. Unset: any public host",
        },
        "allow_private_hosts": {
            "type": "array",
            "items": {"type": "string", "pattern": HOST_PATTERN},
            "uniqueItems": True,
            "description": "Hosts that may resolve to private or loopback addresses (a "
            "GitHub Enterprise Server on your LAN). Without it the node refuses them",
        },
    },
    "required": ["token", "repositories"],
    "additionalProperties": False,
}

Args = dict[str, Any]
Handler = Callable[[CallContext, dict[str, Any], dict[str, Any], str, str], Awaitable[Any]]


def _max_pages(definition: dict[str, Any]) -> int:
    value = definition.get("max_pages", 1)
    if not isinstance(value, int) or isinstance(value, bool):
        return 1
    return max(1, min(value, actions.MAX_PAGES_LIMIT))


def _listing(items: list[Any], has_more: bool) -> dict[str, Any]:
    return {"items": items, "count": len(items), "has_more": has_more}


async def _get_repository(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    response = await api.send(ctx, "GET", api.base_url(ctx.config) + api.repo_path(owner, repo))
    return shapes.repository(api.json_of(response))


async def _list_issues(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    labels = actions.names(a, "labels")
    params = {
        "state": actions.choice(a, "state", ("open", "closed", "all")),
        "labels": ",".join(labels) if labels else None,
        "per_page": actions.per_page(a),
    }
    path = api.repo_path(owner, repo, "issues")
    items, more, _ = await api.get_pages(ctx, path, params, _max_pages(d))
    return _listing([shapes.issue(item) for item in items], more)


async def _get_issue(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    path = api.repo_path(owner, repo, "issues", actions.number(a, "issue_number"))
    response = await api.send(ctx, "GET", api.base_url(ctx.config) + path)
    return shapes.issue(api.json_of(response), with_body=True)


async def _create_issue(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    body: dict[str, Any] = {"title": actions.text(a, "title", required=True)}
    for name, value in (
        ("body", actions.text(a, "body")),
        ("labels", actions.names(a, "labels")),
        ("assignees", actions.names(a, "assignees")),
    ):
        if value is not None:
            body[name] = value
    path = api.repo_path(owner, repo, "issues")
    response = await api.send(ctx, "POST", api.base_url(ctx.config) + path, body=body)
    return shapes.issue(api.json_of(response), with_body=True)


async def _comment_on_issue(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    number = actions.number(a, "issue_number")
    body = {"body": actions.text(a, "body", required=True)}
    path = api.repo_path(owner, repo, "issues", number, "comments")
    response = await api.send(ctx, "POST", api.base_url(ctx.config) + path, body=body)
    return shapes.comment(api.json_of(response))


async def _add_labels(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    number = actions.number(a, "issue_number")
    body = {"labels": actions.names(a, "labels", required=True)}
    path = api.repo_path(owner, repo, "issues", number, "labels")
    response = await api.send(ctx, "POST", api.base_url(ctx.config) + path, body=body)
    labels = api.json_of(response) or []
    return {"issue_number": number, "labels": [label.get("name") for label in labels]}


async def _set_issue_state(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    number = actions.number(a, "issue_number")
    state = actions.choice(a, "state", ("open", "closed"))
    if state is None:
        raise ConnectorError("the argument 'state' is required (open or closed)")
    body: dict[str, Any] = {"state": state}
    reason = actions.choice(a, "state_reason", ("completed", "not_planned", "reopened"))
    if reason is not None:
        body["state_reason"] = reason
    path = api.repo_path(owner, repo, "issues", number)
    response = await api.send(ctx, "PATCH", api.base_url(ctx.config) + path, body=body)
    return shapes.issue(api.json_of(response))


async def _list_pull_requests(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    params = {
        "state": actions.choice(a, "state", ("open", "closed", "all")),
        "base": actions.text(a, "base"),
        "per_page": actions.per_page(a),
    }
    path = api.repo_path(owner, repo, "pulls")
    items, more, _ = await api.get_pages(ctx, path, params, _max_pages(d))
    return _listing([shapes.pull_request(item) for item in items], more)


async def _get_pull_request(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    path = api.repo_path(owner, repo, "pulls", actions.number(a, "pull_number"))
    response = await api.send(ctx, "GET", api.base_url(ctx.config) + path)
    return shapes.pull_request(api.json_of(response), detailed=True)


async def _list_workflow_runs(ctx: CallContext, d: Args, a: Args, owner: str, repo: str) -> Any:
    params = {
        "branch": actions.text(a, "branch"),
        "event": actions.text(a, "event"),
        "status": actions.text(a, "status"),
        "per_page": actions.per_page(a),
    }
    path = api.repo_path(owner, repo, "actions", "runs")
    items, more, last = await api.get_pages(
        ctx, path, params, _max_pages(d), items_key="workflow_runs"
    )
    result = _listing([shapes.workflow_run(item) for item in items], more)
    if isinstance(last, dict):
        result["total_count"] = last.get("total_count")
    return result


HANDLERS: dict[str, Handler] = {
    "get_repository": _get_repository,
    "list_issues": _list_issues,
    "get_issue": _get_issue,
    "create_issue": _create_issue,
    "comment_on_issue": _comment_on_issue,
    "add_labels": _add_labels,
    "set_issue_state": _set_issue_state,
    "list_pull_requests": _list_pull_requests,
    "get_pull_request": _get_pull_request,
    "list_workflow_runs": _list_workflow_runs,
}


class GitHubConnector(Connector):
    """GitHub (or GitHub Enterprise Server) through its REST API."""

    type = "github"
    title = "GitHub"
    description = (
        "Work with GitHub issues, pull requests and repositories. The token stays on the "
        "node, and an allow-list limits which repositories a port can reach."
    )
    config_schema = CONFIG_SCHEMA
    action_kinds = ACTION_KINDS
    templates = TEMPLATES

    def validate_definition(self, kind: str, definition: dict[str, Any]) -> None:
        """Only the known kinds; only the listing kinds take ``max_pages``."""
        if kind not in ACTION_KINDS:
            raise InvalidDefinition(f"the github connector has no action kind {kind!r}")
        if "max_pages" in definition and kind not in PAGINATED_KINDS:
            raise InvalidDefinition(f"the action kind {kind} does not paginate")

    async def execute(
        self, ctx: CallContext, definition: dict[str, Any], arguments: dict[str, Any]
    ) -> Any:
        """Check the repository against the allow-list, then run the kind's request(s)."""
        handler = HANDLERS.get(ctx.kind or "")
        if handler is None:
            raise ConnectorError(f"the github connector has no action kind {ctx.kind!r}")
        owner, repo = actions.repository(arguments)
        api.require_allowed(ctx.config, owner, repo, ctx.port)
        return await handler(ctx, definition or {}, arguments, owner, repo)

    async def check(self, ctx: CallContext) -> CheckResult:
        """Read the first allowed repository (or ``/user`` when all entries are wildcards)."""
        plain = api.first_plain_repository(ctx.config)
        if plain is None:
            path, what = "/user", "the token's user"
        else:
            owner, _, repo = plain.partition("/")
            path, what = api.repo_path(owner, repo), plain
        try:
            await api.send(ctx, "GET", api.base_url(ctx.config) + path)
        except AuthFailed:
            raise
        except ConnectorError as err:
            return CheckResult(ok=False, message=err.message)
        return CheckResult(ok=True, message=f"the token can read {what}")
