"""The useful fields of GitHub's answers, so results stay small for the agent."""

from __future__ import annotations

from typing import Any


def _login(user: Any) -> str | None:
    return user.get("login") if isinstance(user, dict) else None


def _label_names(labels: Any) -> list[str | None]:
    return [label.get("name") if isinstance(label, dict) else str(label) for label in labels or []]


def repository(doc: dict[str, Any]) -> dict[str, Any]:
    """A repository."""
    return {
        "full_name": doc.get("full_name"),
        "description": doc.get("description"),
        "private": doc.get("private"),
        "visibility": doc.get("visibility"),
        "default_branch": doc.get("default_branch"),
        "archived": doc.get("archived"),
        "html_url": doc.get("html_url"),
        "open_issues_count": doc.get("open_issues_count"),
        "stargazers_count": doc.get("stargazers_count"),
        "forks_count": doc.get("forks_count"),
        "topics": doc.get("topics", []),
        "pushed_at": doc.get("pushed_at"),
        "updated_at": doc.get("updated_at"),
    }


def issue(doc: dict[str, Any], *, with_body: bool = False) -> dict[str, Any]:
    """An issue (or a pull request seen as an issue)."""
    shaped = {
        "number": doc.get("number"),
        "title": doc.get("title"),
        "state": doc.get("state"),
        "state_reason": doc.get("state_reason"),
        "html_url": doc.get("html_url"),
        "labels": _label_names(doc.get("labels")),
        "user": _login(doc.get("user")),
        "assignees": [_login(a) for a in doc.get("assignees") or []],
        "comments": doc.get("comments"),
        "is_pull_request": "pull_request" in doc,
        "created_at": doc.get("created_at"),
        "updated_at": doc.get("updated_at"),
        "closed_at": doc.get("closed_at"),
    }
    if with_body:
        shaped["body"] = doc.get("body")
    return shaped


def comment(doc: dict[str, Any]) -> dict[str, Any]:
    """An issue comment."""
    return {
        "id": doc.get("id"),
        "html_url": doc.get("html_url"),
        "user": _login(doc.get("user")),
        "created_at": doc.get("created_at"),
        "body": doc.get("body"),
    }


def pull_request(doc: dict[str, Any], *, detailed: bool = False) -> dict[str, Any]:
    """A pull request; ``detailed`` adds what only the single-PR endpoint returns."""
    head, base = doc.get("head") or {}, doc.get("base") or {}
    shaped = {
        "number": doc.get("number"),
        "title": doc.get("title"),
        "state": doc.get("state"),
        "draft": doc.get("draft"),
        "html_url": doc.get("html_url"),
        "user": _login(doc.get("user")),
        "labels": _label_names(doc.get("labels")),
        "head": head.get("ref"),
        "base": base.get("ref"),
        "created_at": doc.get("created_at"),
        "updated_at": doc.get("updated_at"),
        "closed_at": doc.get("closed_at"),
        "merged_at": doc.get("merged_at"),
    }
    if detailed:
        for key in ("body", "merged", "mergeable", "commits", "additions", "deletions"):
            shaped[key] = doc.get(key)
        shaped["changed_files"] = doc.get("changed_files")
        shaped["head_sha"] = head.get("sha")
    return shaped


def workflow_run(doc: dict[str, Any]) -> dict[str, Any]:
    """A GitHub Actions workflow run."""
    return {
        "id": doc.get("id"),
        "name": doc.get("name"),
        "display_title": doc.get("display_title"),
        "status": doc.get("status"),
        "conclusion": doc.get("conclusion"),
        "event": doc.get("event"),
        "head_branch": doc.get("head_branch"),
        "head_sha": doc.get("head_sha"),
        "run_number": doc.get("run_number"),
        "html_url": doc.get("html_url"),
        "created_at": doc.get("created_at"),
        "updated_at": doc.get("updated_at"),
    }
