"""Each action kind run directly against the fake GitHub, through the core's client."""

from __future__ import annotations

from typing import Any

import pytest
from harbor_github.api import repo_path

from harbor.connector import ConnectorError

from .conftest import REPO, TOKEN, Reply, issue, label, pull

ARGS = {"owner": "octo", "repo": "hello-world"}
BASE = f"/repos/{REPO}"


def only_request(github) -> dict[str, Any]:
    assert len(github.requests) == 1, github.requests
    return github.requests[0]


def test_requests_carry_githubs_headers_and_the_token(runner, github, config):
    github.route("GET", BASE, Reply(200, {"full_name": REPO}))
    result = runner.execute(config, "get_repository", ARGS)
    seen = only_request(github)
    assert seen["headers"]["accept"] == "application/vnd.github+json"
    assert seen["headers"]["x-github-api-version"] == "2022-11-28"
    assert seen["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert seen["headers"]["user-agent"]
    assert TOKEN not in repr(result)


def test_get_repository_returns_the_useful_fields(runner, github, config):
    github.route(
        "GET",
        BASE,
        Reply(
            200,
            {
                "id": 1296269,
                "full_name": REPO,
                "description": "This your first repo!",
                "private": False,
                "visibility": "public",
                "default_branch": "main",
                "open_issues_count": 3,
                "owner": {"login": "octo"},
                "permissions": {"admin": False},
                "topics": ["api"],
            },
        ),
    )
    result = runner.execute(config, "get_repository", ARGS)
    assert result["full_name"] == REPO
    assert result["default_branch"] == "main"
    assert result["open_issues_count"] == 3
    assert "owner" not in result
    assert "permissions" not in result
    assert only_request(github)["method"] == "GET"


def test_list_issues_sends_its_filters_and_shapes_each_issue(runner, github, config):
    github.route("GET", f"{BASE}/issues", Reply(200, [issue(2), issue(1, pull_request={})]))
    args = {**ARGS, "state": "all", "labels": ["bug", "ui"], "per_page": 50}
    result = runner.execute(config, "list_issues", args)
    seen = only_request(github)
    assert seen["query"] == {"state": "all", "labels": "bug,ui", "per_page": "50"}
    assert result["count"] == 2
    assert result["has_more"] is False
    first = result["items"][0]
    assert first == {
        "number": 2,
        "title": "Found a bug",
        "state": "open",
        "state_reason": None,
        "html_url": f"https://github.com/{REPO}/issues/2",
        "labels": ["bug"],
        "user": "octocat",
        "assignees": ["hubot"],
        "comments": 0,
        "is_pull_request": False,
        "created_at": "2011-04-22T13:33:48Z",
        "updated_at": "2011-04-22T13:33:48Z",
        "closed_at": None,
    }
    assert result["items"][1]["is_pull_request"] is True


def test_get_issue_includes_the_body(runner, github, config):
    github.route("GET", f"{BASE}/issues/7", Reply(200, issue(7)))
    result = runner.execute(config, "get_issue", {**ARGS, "issue_number": 7})
    assert result["number"] == 7
    assert result["body"] == "I'm having a problem with this."
    assert only_request(github)["path"] == f"{BASE}/issues/7"


def test_create_issue_posts_title_body_labels_and_assignees(runner, github, config):
    github.route("POST", f"{BASE}/issues", Reply(201, issue(8, "New thing")))
    args = {**ARGS, "title": "New thing", "body": "Details", "labels": ["bug"], "assignees": ["x"]}
    result = runner.execute(config, "create_issue", args)
    seen = only_request(github)
    assert seen["method"] == "POST"
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["json"] == {
        "title": "New thing",
        "body": "Details",
        "labels": ["bug"],
        "assignees": ["x"],
    }
    assert result["number"] == 8
    assert result["html_url"].endswith("/issues/8")


def test_create_issue_sends_only_the_given_fields(runner, github, config):
    github.route("POST", f"{BASE}/issues", Reply(201, issue(9)))
    runner.execute(config, "create_issue", {**ARGS, "title": "Only a title"})
    assert only_request(github)["json"] == {"title": "Only a title"}


def test_comment_on_issue(runner, github, config):
    comment = {
        "id": 42,
        "html_url": f"https://github.com/{REPO}/issues/7#issuecomment-42",
        "body": "Me too",
        "user": {"login": "octocat"},
        "created_at": "2011-04-14T16:00:49Z",
    }
    github.route("POST", f"{BASE}/issues/7/comments", Reply(201, comment))
    result = runner.execute(
        config, "comment_on_issue", {**ARGS, "issue_number": 7, "body": "Me too"}
    )
    assert only_request(github)["json"] == {"body": "Me too"}
    assert result == {
        "id": 42,
        "html_url": comment["html_url"],
        "user": "octocat",
        "created_at": "2011-04-14T16:00:49Z",
        "body": "Me too",
    }


def test_add_labels_returns_all_labels(runner, github, config):
    github.route("POST", f"{BASE}/issues/7/labels", Reply(200, [label("bug"), label("ui")]))
    result = runner.execute(config, "add_labels", {**ARGS, "issue_number": 7, "labels": ["ui"]})
    assert only_request(github)["json"] == {"labels": ["ui"]}
    assert result == {"issue_number": 7, "labels": ["bug", "ui"]}


def test_set_issue_state_closes_with_a_reason(runner, github, config):
    closed = issue(7, state="closed", state_reason="not_planned", closed_at="2024-01-01T00:00:00Z")
    github.route("PATCH", f"{BASE}/issues/7", Reply(200, closed))
    args = {**ARGS, "issue_number": 7, "state": "closed", "state_reason": "not_planned"}
    result = runner.execute(config, "set_issue_state", args)
    seen = only_request(github)
    assert seen["method"] == "PATCH"
    assert seen["json"] == {"state": "closed", "state_reason": "not_planned"}
    assert result["state"] == "closed"
    assert result["state_reason"] == "not_planned"


def test_set_issue_state_reopens(runner, github, config):
    github.route("PATCH", f"{BASE}/issues/7", Reply(200, issue(7)))
    runner.execute(config, "set_issue_state", {**ARGS, "issue_number": 7, "state": "open"})
    assert only_request(github)["json"] == {"state": "open"}


def test_list_pull_requests(runner, github, config):
    github.route("GET", f"{BASE}/pulls", Reply(200, [pull(3)]))
    result = runner.execute(config, "list_pull_requests", {**ARGS, "state": "open", "base": "main"})
    assert only_request(github)["query"] == {"state": "open", "base": "main"}
    assert result["items"][0]["number"] == 3
    assert result["items"][0]["head"] == "new-topic"
    assert result["items"][0]["base"] == "main"
    assert "body" not in result["items"][0]


def test_get_pull_request_is_detailed(runner, github, config):
    detailed = pull(3, merged=False, mergeable=True, commits=2, additions=10, deletions=1)
    github.route("GET", f"{BASE}/pulls/3", Reply(200, {**detailed, "changed_files": 4}))
    result = runner.execute(config, "get_pull_request", {**ARGS, "pull_number": 3})
    assert result["mergeable"] is True
    assert result["changed_files"] == 4
    assert result["head_sha"] == "6dcb09b5b5"
    assert result["body"].startswith("Please pull")


def test_list_workflow_runs(runner, github, config):
    run = {
        "id": 30433642,
        "name": "Build",
        "display_title": "Update README.md",
        "status": "completed",
        "conclusion": "failure",
        "event": "push",
        "head_branch": "main",
        "head_sha": "acb5820ced",
        "run_number": 562,
        "html_url": f"https://github.com/{REPO}/actions/runs/30433642",
        "created_at": "2020-01-22T19:33:08Z",
        "updated_at": "2020-01-22T19:33:08Z",
        "jobs_url": "https://api.github.com/...",
    }
    github.route(
        "GET", f"{BASE}/actions/runs", Reply(200, {"total_count": 1, "workflow_runs": [run]})
    )
    args = {**ARGS, "branch": "main", "status": "failure"}
    result = runner.execute(config, "list_workflow_runs", args)
    assert only_request(github)["query"] == {"branch": "main", "status": "failure"}
    assert result["total_count"] == 1
    assert result["items"][0]["conclusion"] == "failure"
    assert "jobs_url" not in result["items"][0]


def test_path_segments_are_percent_encoded(runner, github, config):
    github.route("GET", "/repos/acme/.github", Reply(200, {"full_name": "acme/.github"}))
    runner.execute(config, "get_repository", {"owner": "acme", "repo": ".github"})
    assert only_request(github)["raw_path"] == "/repos/acme/.github"
    assert repo_path("a b", "c/d", 7) == "/repos/a%20b/c%2Fd/7"


# --- The allow-list -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "arguments"),
    [
        ("get_repository", {"owner": "octo", "repo": "secret-plans"}),
        ("create_issue", {"owner": "evil", "repo": "hello-world", "title": "x"}),
        ("list_issues", {"owner": "acme-labs", "repo": "web"}),
    ],
)
def test_a_repository_outside_the_allow_list_is_refused_before_any_request(
    runner, github, config, kind, arguments
):
    with pytest.raises(ConnectorError) as caught:
        runner.execute(config, kind, arguments)
    assert f"{arguments['owner']}/{arguments['repo']}" in caught.value.message
    assert github.requests == []


def test_an_owner_wildcard_allows_every_repository_of_that_owner(runner, github, config):
    github.route("GET", "/repos/ACME/Website", Reply(200, {"full_name": "acme/website"}))
    runner.execute(config, "get_repository", {"owner": "ACME", "repo": "Website"})
    assert len(github.requests) == 1


@pytest.mark.parametrize(
    "arguments",
    [
        {"owner": "../admin", "repo": "x"},
        {"owner": "octo", "repo": ".."},
        {"owner": "octo", "repo": "a/b"},
        {"owner": "octo"},
        {"owner": "octo", "repo": "hello-world", "issue_number": "../../user"},
        {"owner": "octo", "repo": "hello-world", "issue_number": 0},
    ],
)
def test_malformed_arguments_are_refused_before_any_request(runner, github, config, arguments):
    with pytest.raises(ConnectorError):
        runner.execute(config, "get_issue", arguments)
    assert github.requests == []


def test_a_missing_token_is_named_and_nothing_is_sent(runner, github, config):
    with pytest.raises(ConnectorError) as caught:
        runner.execute(config, "get_repository", ARGS, secrets={})
    assert "secrets/token" in caught.value.message
    assert github.requests == []


def test_an_unknown_kind_is_refused(runner, github, config):
    with pytest.raises(ConnectorError):
        runner.execute(config, "delete_repository", ARGS)
    assert github.requests == []
