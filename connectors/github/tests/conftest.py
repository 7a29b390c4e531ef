"""Fixtures for the github tests: a fake GitHub REST API on 127.0.0.1 and a runner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from harbor_github import GitHubConnector

from harbor.connector import CheckResult
from harbor.testkit import ConnectorRunner, RecordedRequest, Reply, Upstream

__all__ = ["REPO", "TOKEN", "Reply", "issue", "label", "pull"]

TOKEN = "github_pat_PLANTED_11AAAA_test0000"
REPO = "octo/hello-world"
RATE_HEADERS = {
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": "1900000000",
    "x-ratelimit-used": "1",
    "x-ratelimit-resource": "core",
    "x-github-api-version-selected": "2022-11-28",
}


def user(login: str = "octocat") -> dict[str, Any]:
    """A GitHub simple user, as embedded in issues and pull requests."""
    return {
        "login": login,
        "id": 1,
        "node_id": "MDQ6VXNlcjE=",
        "avatar_url": f"https://github.com/images/{login}.gif",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "site_admin": False,
    }


def label(name: str) -> dict[str, Any]:
    """A GitHub label."""
    return {
        "id": abs(hash(name)) % 10_000,
        "node_id": "MDU6TGFiZWwyMDgwNDU5NDY=",
        "url": f"https://api.github.com/repos/{REPO}/labels/{name}",
        "name": name,
        "description": "",
        "color": "f29513",
        "default": False,
    }


def issue(number: int, title: str = "Found a bug", **extra: Any) -> dict[str, Any]:
    """A GitHub issue in the shape of GET /repos/{owner}/{repo}/issues/{n}."""
    return {
        "id": 1000 + number,
        "node_id": "MDU6SXNzdWUx",
        "url": f"https://api.github.com/repos/{REPO}/issues/{number}",
        "repository_url": f"https://api.github.com/repos/{REPO}",
        "html_url": f"https://github.com/{REPO}/issues/{number}",
        "number": number,
        "state": "open",
        "state_reason": None,
        "title": title,
        "body": "I'm having a problem with this.",
        "user": user(),
        "labels": [label("bug")],
        "assignee": None,
        "assignees": [user("hubot")],
        "milestone": None,
        "locked": False,
        "comments": 0,
        "closed_at": None,
        "created_at": "2011-04-22T13:33:48Z",
        "updated_at": "2011-04-22T13:33:48Z",
        "author_association": "COLLABORATOR",
        "reactions": {"url": "", "total_count": 0},
        **extra,
    }


def pull(number: int, title: str = "Amazing new feature", **extra: Any) -> dict[str, Any]:
    """A GitHub pull request in the shape of GET /repos/{owner}/{repo}/pulls/{n}."""
    return {
        "id": 2000 + number,
        "url": f"https://api.github.com/repos/{REPO}/pulls/{number}",
        "html_url": f"https://github.com/{REPO}/pull/{number}",
        "number": number,
        "state": "open",
        "locked": False,
        "title": title,
        "user": user(),
        "body": "Please pull these awesome changes in!",
        "labels": [label("enhancement")],
        "draft": False,
        "head": {
            "label": "octo:new-topic",
            "ref": "new-topic",
            "sha": "6dcb09b5b5",
            "user": user(),
        },
        "base": {"label": "octo:main", "ref": "main", "sha": "6dcb09b5b6", "user": user()},
        "created_at": "2011-01-26T19:01:12Z",
        "updated_at": "2011-01-26T19:01:12Z",
        "closed_at": None,
        "merged_at": None,
        **extra,
    }


NOT_FOUND = {
    "message": "Not Found",
    "documentation_url": "https://docs.github.com/rest",
    "status": "404",
}


class FakeGitHub(Upstream):
    """A GitHub REST API on 127.0.0.1 that records every request it receives.

    ``route(method, path, reply)`` answers one method and exact path with a :class:`Reply`
    or with a function of the recorded request. Unrouted requests get GitHub's 404.
    """

    json_type = "application/json; charset=utf-8"

    def __init__(self) -> None:
        super().__init__(default_headers=RATE_HEADERS)

    def fallback(self, request: RecordedRequest) -> Reply:
        return Reply(404, NOT_FOUND)

    def paginate(self, path: str, pages: list[Any]) -> None:
        """Serve ``pages`` at ``path`` with ``?page=N`` and GitHub's ``Link`` header."""

        def answer(seen: RecordedRequest) -> Reply:
            page = int(seen["query"].get("page", "1"))
            query = {k: v for k, v in seen["query"].items() if k != "page"}
            extra = "".join(f"&{k}={v}" for k, v in sorted(query.items()))

            def link(n: int) -> str:
                return f"<{self.url}{path}?page={n}{extra}>"

            links = []
            if page < len(pages):
                links += [f'{link(page + 1)}; rel="next"', f'{link(len(pages))}; rel="last"']
            if page > 1:
                links += [f'{link(page - 1)}; rel="prev"', f'{link(1)}; rel="first"']
            headers = {"Link": ", ".join(links)} if links else {}
            return Reply(200, pages[page - 1], headers)

        self.route("GET", path, answer)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A fake GitHub REST API on 127.0.0.1."""
    with FakeGitHub() as fake:
        yield fake


class Runner:
    """Drives the connector directly, through the core's guarded client and the port policy."""

    def __init__(self) -> None:
        self.kit = ConnectorRunner(GitHubConnector(), port="gh", base_secrets={"token": TOKEN})
        self.connector = self.kit.connector

    def execute(
        self,
        config: dict[str, Any],
        kind: str,
        arguments: dict[str, Any],
        definition: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
    ) -> Any:
        """Run one action of ``kind`` and return its result (raises what the connector does)."""
        return self.kit.execute(kind, arguments, definition, config=config, secrets=secrets)

    def check(self, config: dict[str, Any], secrets: dict[str, str] | None = None) -> CheckResult:
        """Run the connection test."""
        return self.kit.check(config=config, secrets=secrets)


@pytest.fixture
def runner() -> Runner:
    """Runs the connector directly on the core's guarded outbound client."""
    return Runner()


@pytest.fixture
def config(github: FakeGitHub) -> dict[str, Any]:
    """A port config on the fake GitHub allowing octo/hello-world and every acme repository."""
    return {
        "api_base_url": github.url,
        "repositories": [REPO, "acme/*"],
        "allow_private_hosts": ["127.0.0.1"],
    }
