"""Fixtures for the github tests: a fake GitHub REST API on 127.0.0.1 and a runner."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from harbor_github import GitHubConnector

from harbor.connector import CallContext, CheckResult

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


@dataclass
class Reply:
    """An answer of the fake: status, JSON body (or bytes) and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[dict[str, Any]], Reply]


class FakeGitHub:
    """A GitHub REST API on 127.0.0.1 that records every request it receives.

    ``route(method, path, reply)`` answers one method and exact path with a :class:`Reply`
    or with a function of the recorded request. Unrouted requests get GitHub's 404.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.routes: dict[tuple[str, str], Route] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                seen = {
                    "method": self.command,
                    "path": split.path,
                    "raw_path": self.path,
                    "query": dict(parse_qsl(split.query, keep_blank_values=True)),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": json.loads(raw) if raw else None,
                }
                fake.requests.append(seen)
                route = fake.routes.get((self.command, split.path))
                if route is None:
                    reply = Reply(
                        404,
                        {
                            "message": "Not Found",
                            "documentation_url": "https://docs.github.com/rest",
                            "status": "404",
                        },
                    )
                else:
                    reply = route(seen)
                body = reply.body
                headers = {**RATE_HEADERS, **reply.headers}
                if not isinstance(body, bytes):
                    body = b"" if body is None else json.dumps(body).encode()
                    headers.setdefault("Content-Type", "application/json; charset=utf-8")
                self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def route(self, method: str, path: str, reply: Reply | Route) -> None:
        """Answer ``method path`` with ``reply`` (or what ``reply(request)`` returns)."""
        self.routes[(method, path)] = reply if callable(reply) else (lambda _seen: reply)

    def paginate(self, path: str, pages: list[Any]) -> None:
        """Serve ``pages`` at ``path`` with ``?page=N`` and GitHub's ``Link`` header."""

        def answer(seen: dict[str, Any]) -> Reply:
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

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A fake GitHub REST API on 127.0.0.1."""
    fake = FakeGitHub()
    yield fake
    fake.close()


class Runner:
    """Drives the connector directly, through the node's guarded client and the port policy."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.connector = GitHubConnector()

    async def _with_ctx(
        self, config: dict[str, Any], secrets: dict[str, str], kind: str | None, use: Any
    ) -> Any:
        from harbor.runtime.outbound import OutboundPolicy, client_for

        policy = OutboundPolicy.from_config(config)
        async with client_for(self.node.outbound(), policy) as http:
            ctx = CallContext(port="gh", config=config, secrets=secrets, http=http, kind=kind)
            return await use(ctx)

    def execute(
        self,
        config: dict[str, Any],
        kind: str,
        arguments: dict[str, Any],
        definition: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
    ) -> Any:
        """Run one action of ``kind`` and return its result (raises what the connector does)."""

        async def use(ctx: CallContext) -> Any:
            return await self.connector.execute(ctx, definition or {}, arguments)

        secrets = {"token": TOKEN} if secrets is None else secrets
        return asyncio.run(self._with_ctx(config, secrets, kind, use))

    def check(self, config: dict[str, Any], secrets: dict[str, str] | None = None) -> CheckResult:
        """Run the connection test."""

        async def use(ctx: CallContext) -> CheckResult:
            return await self.connector.check(ctx)

        secrets = {"token": TOKEN} if secrets is None else secrets
        result: CheckResult = asyncio.run(self._with_ctx(config, secrets, None, use))
        return result


@pytest.fixture
def runner(harbor_node: Any) -> Runner:
    """Runs the connector directly on the test node's outbound client."""
    return Runner(harbor_node)


@pytest.fixture
def config(github: FakeGitHub) -> dict[str, Any]:
    """A port config on the fake GitHub allowing octo/hello-world and every acme repository."""
    return {
        "api_base_url": github.url,
        "repositories": [REPO, "acme/*"],
        "allow_private_hosts": ["127.0.0.1"],
    }
