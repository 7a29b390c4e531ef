"""Pagination, GitHub's errors and rate limits, and the connection test."""

from __future__ import annotations

import time

import pytest

from harbor.connector import AuthFailed, ConnectorError, RetryableError

from .conftest import REPO, TOKEN, Reply, issue, pull

ARGS = {"owner": "octo", "repo": "hello-world"}
BASE = f"/repos/{REPO}"
ISSUE_PAGES = [[issue(9), issue(8)], [issue(7), issue(6)], [issue(5)]]


# --- Pagination -----------------------------------------------------------------------------


def test_list_issues_reads_one_page_by_default(runner, github, config):
    github.paginate(f"{BASE}/issues", ISSUE_PAGES)
    result = runner.execute(config, "list_issues", ARGS)
    assert [i["number"] for i in result["items"]] == [9, 8]
    assert result["has_more"] is True
    assert len(github.requests) == 1


def test_list_issues_follows_link_next_up_to_max_pages(runner, github, config):
    github.paginate(f"{BASE}/issues", ISSUE_PAGES)
    result = runner.execute(config, "list_issues", {**ARGS, "per_page": 2}, {"max_pages": 2})
    assert [i["number"] for i in result["items"]] == [9, 8, 7, 6]
    assert result["has_more"] is True
    assert [r["query"].get("page") for r in github.requests] == [None, "2"]
    assert github.requests[1]["query"]["per_page"] == "2"
    assert all(r["headers"]["authorization"] == f"Bearer {TOKEN}" for r in github.requests)


def test_list_issues_stops_at_the_last_page(runner, github, config):
    github.paginate(f"{BASE}/issues", ISSUE_PAGES)
    result = runner.execute(config, "list_issues", ARGS, {"max_pages": 10})
    assert [i["number"] for i in result["items"]] == [9, 8, 7, 6, 5]
    assert result["has_more"] is False
    assert len(github.requests) == 3


def test_list_pull_requests_paginates_too(runner, github, config):
    github.paginate(f"{BASE}/pulls", [[pull(2)], [pull(1)]])
    result = runner.execute(config, "list_pull_requests", ARGS, {"max_pages": 3})
    assert [p["number"] for p in result["items"]] == [2, 1]
    assert len(github.requests) == 2


def test_a_next_link_to_another_host_is_not_followed(runner, github, config):
    github.route(
        "GET",
        f"{BASE}/issues",
        Reply(200, [issue(1)], {"Link": '<https://evil.example/steal?page=2>; rel="next"'}),
    )
    result = runner.execute(config, "list_issues", ARGS, {"max_pages": 3})
    assert result["count"] == 1
    assert result["has_more"] is True
    assert len(github.requests) == 1


# --- Errors ---------------------------------------------------------------------------------


def test_a_401_is_auth_failed_without_the_token(runner, github, config):
    github.route("GET", BASE, Reply(401, {"message": f"Bad credentials {TOKEN}"}))
    with pytest.raises(AuthFailed) as caught:
        runner.execute(config, "get_repository", ARGS)
    assert "Bad credentials" in caught.value.message
    assert TOKEN not in caught.value.message


def test_the_primary_rate_limit_is_retryable_after_the_reset(runner, github, config):
    reset = int(time.time()) + 120
    github.route(
        "GET",
        BASE,
        Reply(
            403,
            {"message": "API rate limit exceeded for user ID 1."},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        ),
    )
    with pytest.raises(RetryableError) as caught:
        runner.execute(config, "get_repository", ARGS)
    assert caught.value.status == 403
    assert caught.value.retry_safe is True
    assert 100 <= caught.value.retry_after <= 121
    assert "rate limit" in caught.value.message


def test_a_429_with_remaining_zero_is_retryable_too(runner, github, config):
    reset = int(time.time()) + 30
    github.route(
        "POST",
        f"{BASE}/issues",
        Reply(
            429, {"message": "x"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
        ),
    )
    with pytest.raises(RetryableError) as caught:
        runner.execute(config, "create_issue", {**ARGS, "title": "t"})
    assert caught.value.retry_safe is True
    assert 20 <= caught.value.retry_after <= 31


def test_the_secondary_rate_limit_uses_retry_after(runner, github, config):
    github.route(
        "GET",
        BASE,
        Reply(
            403,
            {"message": "You have exceeded a secondary rate limit."},
            {"retry-after": "60"},
        ),
    )
    with pytest.raises(RetryableError) as caught:
        runner.execute(config, "get_repository", ARGS)
    assert caught.value.retry_after == 60
    assert caught.value.retry_safe is True
    assert "secondary rate limit" in caught.value.message


def test_a_plain_403_is_a_connector_error_with_githubs_message(runner, github, config):
    github.route(
        "GET", BASE, Reply(403, {"message": "Resource not accessible by personal access token"})
    )
    with pytest.raises(ConnectorError) as caught:
        runner.execute(config, "get_repository", ARGS)
    assert not isinstance(caught.value, RetryableError)
    assert "Resource not accessible by personal access token" in caught.value.message
    assert caught.value.status == 403


def test_a_404_names_githubs_message(runner, github, config):
    with pytest.raises(ConnectorError) as caught:
        runner.execute(config, "get_issue", {**ARGS, "issue_number": 404})
    assert not isinstance(caught.value, RetryableError)
    assert caught.value.status == 404
    assert "Not Found" in caught.value.message
    assert "404" in caught.value.message


def test_a_422_carries_the_validation_errors(runner, github, config):
    github.route(
        "POST",
        f"{BASE}/issues",
        Reply(
            422,
            {
                "message": "Validation Failed",
                "errors": [{"resource": "Issue", "field": "title", "code": "missing_field"}],
                "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
            },
        ),
    )
    with pytest.raises(ConnectorError) as caught:
        runner.execute(config, "create_issue", {**ARGS, "title": "t"})
    assert caught.value.status == 422
    assert "Validation Failed" in caught.value.message
    assert "title missing_field" in caught.value.message


def test_a_5xx_is_retryable(runner, github, config):
    github.route("GET", BASE, Reply(502, {"message": "Server Error"}))
    with pytest.raises(RetryableError) as caught:
        runner.execute(config, "get_repository", ARGS)
    assert caught.value.status == 502
    assert caught.value.timeout is False


def test_a_timeout_is_retryable_and_marked(runner, github, config, monkeypatch):
    from harbor_github import api

    monkeypatch.setattr(api, "TIMEOUT_SECONDS", 0.2)

    def slow(_seen):
        time.sleep(1)
        return Reply(200, {})

    github.route("GET", BASE, slow)
    with pytest.raises(RetryableError) as caught:
        runner.execute(config, "get_repository", ARGS)
    assert caught.value.timeout is True


# --- The connection test --------------------------------------------------------------------


def test_check_reads_the_first_plain_repository(runner, github, config):
    github.route("GET", BASE, Reply(200, {"full_name": REPO}))
    result = runner.check({**config, "repositories": ["acme/*", REPO]})
    assert result.ok is True
    assert [r["path"] for r in github.requests] == [BASE]


def test_check_uses_the_user_when_only_wildcards_are_allowed(runner, github, config):
    github.route("GET", "/user", Reply(200, {"login": "octocat"}))
    result = runner.check({**config, "repositories": ["acme/*"]})
    assert result.ok is True
    assert [r["path"] for r in github.requests] == ["/user"]


def test_check_raises_auth_failed_on_401(runner, github, config):
    github.route("GET", BASE, Reply(401, {"message": "Bad credentials"}))
    with pytest.raises(AuthFailed):
        runner.check(config)


def test_check_reports_a_404_as_not_ok(runner, github, config):
    result = runner.check(config)
    assert result.ok is False
    assert "Not Found" in result.message
