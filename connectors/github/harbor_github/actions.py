"""The action kinds of the ``github`` connector and how each checks its arguments.

Every action works on one repository, named by the arguments ``owner`` and ``repo``; the
port's ``repositories`` allow-list is checked before anything is sent. Definitions are
empty objects, except for the listing kinds, whose definition may set ``max_pages`` (how
many pages of ``Link: rel="next"`` pagination one call follows; default 1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from harbor.connector import ActionKind, ConnectorError, JSONSchema, Risk

OWNER_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$"
REPO_PATTERN = r"^[A-Za-z0-9._-]{1,100}$"
MAX_PAGES_LIMIT = 10

EMPTY_DEFINITION: JSONSchema = {"type": "object", "properties": {}, "additionalProperties": False}
PAGINATED_DEFINITION: JSONSchema = {
    "type": "object",
    "properties": {
        "max_pages": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PAGES_LIMIT,
            "default": 1,
            "description": 'How many pages (following Link: rel="next") one call may read',
        }
    },
    "additionalProperties": False,
}


def _kind(
    title: str, description: str, risk: Risk, idempotent: bool, paginated: bool = False
) -> ActionKind:
    return ActionKind(
        title=title,
        description=description,
        definition_schema=dict(PAGINATED_DEFINITION if paginated else EMPTY_DEFINITION),
        default_risk=risk,
        idempotent=idempotent,
    )


ACTION_KINDS: dict[str, ActionKind] = {
    "get_repository": _kind(
        "Get a repository",
        "GET /repos/{owner}/{repo}. Arguments: owner, repo.",
        "read",
        True,
    ),
    "list_issues": _kind(
        "List issues",
        "GET /repos/{owner}/{repo}/issues. Arguments: owner, repo; optional state "
        "(open, closed, all), labels (array of names, all must match), per_page (1-100). "
        "Pull requests are issues on GitHub too and are marked is_pull_request.",
        "read",
        True,
        paginated=True,
    ),
    "get_issue": _kind(
        "Get an issue",
        "GET /repos/{owner}/{repo}/issues/{issue_number}. Arguments: owner, repo, issue_number.",
        "read",
        True,
    ),
    "create_issue": _kind(
        "Create an issue",
        "POST /repos/{owner}/{repo}/issues. Arguments: owner, repo, title; optional body, "
        "labels, assignees (arrays of names / logins). Each call opens a new issue.",
        "write",
        False,
    ),
    "comment_on_issue": _kind(
        "Comment on an issue or pull request",
        "POST /repos/{owner}/{repo}/issues/{issue_number}/comments. Arguments: owner, repo, "
        "issue_number, body. Each call adds a new comment.",
        "write",
        False,
    ),
    "add_labels": _kind(
        "Add labels to an issue or pull request",
        "POST /repos/{owner}/{repo}/issues/{issue_number}/labels. Arguments: owner, repo, "
        "issue_number, labels (at least one name). Labels already present stay.",
        "write",
        True,
    ),
    "set_issue_state": _kind(
        "Close or reopen an issue",
        "PATCH /repos/{owner}/{repo}/issues/{issue_number}. Arguments: owner, repo, "
        "issue_number, state (open or closed); optional state_reason (completed, "
        "not_planned, reopened).",
        "write",
        True,
    ),
    "list_pull_requests": _kind(
        "List pull requests",
        "GET /repos/{owner}/{repo}/pulls. Arguments: owner, repo; optional state (open, "
        "closed, all), base (branch name), per_page (1-100).",
        "read",
        True,
        paginated=True,
    ),
    "get_pull_request": _kind(
        "Get a pull request",
        "GET /repos/{owner}/{repo}/pulls/{pull_number}. Arguments: owner, repo, pull_number.",
        "read",
        True,
    ),
    "list_workflow_runs": _kind(
        "List workflow runs",
        "GET /repos/{owner}/{repo}/actions/runs. Arguments: owner, repo; optional branch, "
        "event, status (e.g. completed, in_progress, failure), per_page (1-100).",
        "read",
        True,
        paginated=True,
    ),
}

PAGINATED_KINDS = frozenset({"list_issues", "list_pull_requests", "list_workflow_runs"})


# --- Checking arguments ----------------------------------------------------------------------
# The core validates arguments against the action's input schema, but an operator may write
# any schema; these checks make sure the request is well-formed whatever the schema said.


def repository(arguments: Mapping[str, Any]) -> tuple[str, str]:
    """The ``owner`` and ``repo`` arguments, checked to be GitHub names."""
    owner, repo = arguments.get("owner"), arguments.get("repo")
    if not isinstance(owner, str) or not re.match(OWNER_PATTERN, owner):
        raise ConnectorError("the argument 'owner' must be a GitHub user or organisation name")
    if not isinstance(repo, str) or not re.match(REPO_PATTERN, repo) or repo in (".", ".."):
        raise ConnectorError("the argument 'repo' must be a GitHub repository name")
    return owner, repo


def number(arguments: Mapping[str, Any], name: str) -> int:
    """A required positive integer argument (an issue or pull request number)."""
    value = arguments.get(name)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConnectorError(f"the argument '{name}' must be a positive integer")
    return value


def text(arguments: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    """A string argument; ``None`` when absent and not required."""
    value = arguments.get(name)
    if value is None:
        if required:
            raise ConnectorError(f"the argument '{name}' is required")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise ConnectorError(f"the argument '{name}' must be a non-empty string")
    return value


def choice(arguments: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    """A string argument that must be one of ``allowed`` (``None`` when absent)."""
    value = arguments.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise ConnectorError(f"the argument '{name}' must be one of: {', '.join(allowed)}")
    return str(value)


def names(arguments: Mapping[str, Any], name: str, *, required: bool = False) -> list[str] | None:
    """A list-of-strings argument (labels, assignees)."""
    value = arguments.get(name)
    if value is None:
        if required:
            raise ConnectorError(f"the argument '{name}' is required")
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConnectorError(f"the argument '{name}' must be an array of non-empty strings")
    if required and not value:
        raise ConnectorError(f"the argument '{name}' needs at least one item")
    return value


def per_page(arguments: Mapping[str, Any]) -> int | None:
    """The optional ``per_page`` argument (1-100)."""
    value = arguments.get("per_page")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
        raise ConnectorError("the argument 'per_page' must be an integer from 1 to 100")
    return value
