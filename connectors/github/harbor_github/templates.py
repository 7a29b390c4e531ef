"""Ready-to-use actions, one per action kind, an operator adds to a ``github`` port."""

from __future__ import annotations

from typing import Any

from harbor.connector import ActionTemplate, JSONSchema, Risk
from harbor_github.actions import OWNER_PATTERN, REPO_PATTERN

REPO_PROPERTIES: dict[str, JSONSchema] = {
    "owner": {
        "type": "string",
        "pattern": OWNER_PATTERN,
        "description": "The user or organisation that owns the repository, e.g. octocat",
    },
    "repo": {
        "type": "string",
        "pattern": REPO_PATTERN,
        "description": "The repository name without its owner, e.g. hello-world",
    },
}
ISSUE_NUMBER: JSONSchema = {
    "type": "integer",
    "minimum": 1,
    "description": "The issue or pull request number (the #123 in GitHub)",
}
PER_PAGE: JSONSchema = {
    "type": "integer",
    "minimum": 1,
    "maximum": 100,
    "description": "How many items per page (GitHub's default is 30)",
}
NAME_LIST: JSONSchema = {"type": "array", "items": {"type": "string", "minLength": 1}}


def _schema(properties: dict[str, JSONSchema], required: list[str]) -> JSONSchema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {**REPO_PROPERTIES, **properties},
        "required": ["owner", "repo", *required],
        "additionalProperties": False,
    }


def _template(
    name: str,
    description: str,
    risk: Risk,
    properties: dict[str, JSONSchema] | None = None,
    required: list[str] | None = None,
    definition: dict[str, Any] | None = None,
) -> ActionTemplate:
    return ActionTemplate(
        name=name,
        kind=name,
        description=description,
        risk=risk,
        input_schema=_schema(properties or {}, required or []),
        definition=definition or {},
    )


TEMPLATES: list[ActionTemplate] = [
    _template(
        "get_repository",
        "Read a GitHub repository's summary: description, visibility, default branch, "
        "open issue count, topics. Changes nothing.",
        "read",
    ),
    _template(
        "list_issues",
        "List issues of a GitHub repository, newest first (pull requests appear too, marked "
        "is_pull_request). Filter by state and labels. Returns number, title, state, "
        "labels, author and dates, not the issue bodies; use get_issue for one in full.",
        "read",
        {
            "state": {"enum": ["open", "closed", "all"], "description": "Default open"},
            "labels": {**NAME_LIST, "description": "Only issues with all of these labels"},
            "per_page": PER_PAGE,
        },
        definition={"max_pages": 1},
    ),
    _template(
        "get_issue",
        "Read one GitHub issue in full, with its body, labels, assignees and state.",
        "read",
        {"issue_number": ISSUE_NUMBER},
        ["issue_number"],
    ),
    _template(
        "create_issue",
        "Open a new issue in a GitHub repository. Each call creates another issue, so check "
        "with list_issues first that it does not exist yet. Returns the new issue's number "
        "and URL.",
        "write",
        {
            "title": {"type": "string", "minLength": 1, "maxLength": 256},
            "body": {"type": "string", "description": "Markdown text of the issue"},
            "labels": {**NAME_LIST, "description": "Label names to set"},
            "assignees": {**NAME_LIST, "description": "Logins of the people to assign"},
        },
        ["title"],
    ),
    _template(
        "comment_on_issue",
        "Add a comment to a GitHub issue or pull request. Each call posts another comment.",
        "write",
        {
            "issue_number": ISSUE_NUMBER,
            "body": {"type": "string", "minLength": 1, "description": "Markdown text"},
        },
        ["issue_number", "body"],
    ),
    _template(
        "add_labels",
        "Add labels to a GitHub issue or pull request; labels it already has stay. Returns "
        "all of its labels afterwards.",
        "write",
        {
            "issue_number": ISSUE_NUMBER,
            "labels": {**NAME_LIST, "minItems": 1, "description": "Label names to add"},
        },
        ["issue_number", "labels"],
    ),
    _template(
        "set_issue_state",
        "Close or reopen a GitHub issue. When closing, say why with state_reason "
        "completed or not_planned.",
        "write",
        {
            "issue_number": ISSUE_NUMBER,
            "state": {"enum": ["open", "closed"]},
            "state_reason": {"enum": ["completed", "not_planned", "reopened"]},
        },
        ["issue_number", "state"],
    ),
    _template(
        "list_pull_requests",
        "List pull requests of a GitHub repository, newest first, optionally by state and "
        "base branch. Returns number, title, state, branches, author and dates.",
        "read",
        {
            "state": {"enum": ["open", "closed", "all"], "description": "Default open"},
            "base": {"type": "string", "minLength": 1, "description": "Base branch name"},
            "per_page": PER_PAGE,
        },
        definition={"max_pages": 1},
    ),
    _template(
        "get_pull_request",
        "Read one GitHub pull request in full: body, branches, merge state and size.",
        "read",
        {"pull_number": ISSUE_NUMBER},
        ["pull_number"],
    ),
    _template(
        "list_workflow_runs",
        "List recent GitHub Actions workflow runs of a repository with their status and "
        "conclusion, optionally for one branch, event or status (e.g. failure).",
        "read",
        {
            "branch": {"type": "string", "minLength": 1},
            "event": {"type": "string", "minLength": 1, "description": "e.g. push"},
            "status": {"type": "string", "minLength": 1, "description": "e.g. failure"},
            "per_page": PER_PAGE,
        },
        definition={"max_pages": 1},
    ),
]
