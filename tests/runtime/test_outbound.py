"""The outbound client and its SSRF guard, against real HTTP servers on loopback.

No test sends traffic anywhere but 127.0.0.1: names are resolved by a fake resolver, and any
TCP connect to another address fails the test before a packet leaves.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import re
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import anyio
import httpx
import pytest

from harbor.connector import ConnectorError, RetryableError
from harbor.runtime import outbound
from harbor.runtime.outbound import (
    OutboundPolicy,
    OutboundRefused,
    OutboundTransport,
    ResponseTooLarge,
    client_for,
    create_outbound_client,
    fetch_trusted,
)

pytestmark = pytest.mark.anyio

LOCAL = OutboundPolicy(allow_private_hosts=frozenset({"127.0.0.1"}))
CAP = 64 * 1024
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-01")


class LoopbackServer:
    """An HTTP/1.1 (keep-alive) server on 127.0.0.1 that records every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "peer": self.client_address}
                )
                url = urlparse(self.path)
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                if url.path == "/loop":
                    self._send(302, b"", {"Location": "/loop"})
                elif url.path == "/redirect":
                    self._send(302, b"", {"Location": query["to"]})
                elif url.path == "/big":
                    self._send(200, b"x" * (CAP * 3))
                elif url.path == "/stream":
                    self._stream_chunks(b"y" * CAP, count=100)
                elif url.path == "/gzip":
                    size = int(query["size"])
                    body = gzip.compress(json.dumps({"pad": "z" * size}).encode())
                    self._send(200, body, {"Content-Encoding": "gzip"})
                else:
                    self._send(200, json.dumps({"path": self.path}).encode())

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream_chunks(self, chunk: bytes, count: int) -> None:
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(count):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # the client hanging up on a capped body is expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio."""
    return "asyncio"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A real HTTP server on loopback."""
    running = LoopbackServer()
    yield running
    running.close()


@pytest.fixture
async def transport() -> AsyncIterator[OutboundTransport]:
    """A fresh node transport, closed after the test."""
    shared = OutboundTransport()
    yield shared
    await shared.aclose()


@pytest.fixture(autouse=True)
def no_outside_connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail the test on any TCP connect to a non-loopback address; record every connect."""
    real_connect = anyio.connect_tcp
    attempts: list[str] = []

    async def connect_tcp(remote_host: Any, remote_port: int, **kwargs: Any) -> Any:
        attempts.append(str(remote_host))
        if not ipaddress.ip_address(str(remote_host)).is_loopback:
            pytest.fail(f"a connection to {remote_host} was attempted")
        return await real_connect(remote_host, remote_port, **kwargs)

    monkeypatch.setattr(anyio, "connect_tcp", connect_tcp)
    return attempts


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A fake resolver: tests map names to addresses; any other lookup fails the test."""
    records: dict[str, list[str]] = {"localhost": ["127.0.0.1"]}

    async def resolve_host(host: str, port: int) -> list[str]:
        name = host.rstrip(".")  # a fully qualified name resolves like the plain one
        if name not in records:
            pytest.fail(f"unexpected DNS lookup of {host}")
        return records[name]

    monkeypatch.setattr(outbound, "resolve_host", resolve_host)
    return records


# --- Private, loopback and metadata targets -------------------------------------------------


async def test_loopback_is_refused_by_default(transport, server, no_outside_connections):
    async with client_for(transport, OutboundPolicy()) as http:
        with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1 is a loopback address"):
            await http.get(server.url + "/")
    assert server.requests == []
    assert no_outside_connections == []


async def test_loopback_is_allowed_for_hosts_the_policy_allows(transport, server):
    policy = OutboundPolicy(allow_private_hosts=frozenset({"127.0.0.1", "localhost"}))
    async with client_for(transport, policy) as http:
        by_ip = await http.get(server.url + "/ip")
        by_name = await http.get(f"http://localhost:{server.port}/name")
    assert (by_ip.json(), by_name.json()) == ({"path": "/ip"}, {"path": "/name"})


async def test_the_allow_list_refuses_every_other_host(transport, server, dns):
    dns["api.example.test"] = ["127.0.0.1"]
    policy = OutboundPolicy(
        allowed_hosts=frozenset({"api.example.test"}),
        allow_private_hosts=frozenset({"127.0.0.1", "api.example.test"}),
    )
    async with client_for(transport, policy) as http:
        with pytest.raises(OutboundRefused, match="not in this port's allowed hosts"):
            await http.get(server.url + "/")
        allowed = await http.get(f"http://API.example.test.:{server.port}/ok")
    assert allowed.json() == {"path": "/ok"}
    assert [r["path"] for r in server.requests] == ["/ok"]


async def test_wildcards_in_the_allow_list_match_subdomains_only(transport, dns):
    dns["a.example.test"] = ["10.1.2.3"]
    policy = OutboundPolicy(allowed_hosts=frozenset({"*.example.test"}))
    async with client_for(transport, policy) as http:
        with pytest.raises(OutboundRefused, match="not in this port's allowed hosts"):
            await http.get("http://example.test/")
        with pytest.raises(OutboundRefused, match="private address"):
            await http.get("http://a.example.test/")  # allowed host, refused address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.5", "a private address"),
        ("192.168.1.1", "a private address"),
        ("172.20.0.1", "a private address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("169.254.10.10", "a link-local address"),
        ("100.64.0.1", "a carrier-grade NAT address"),
        ("127.0.0.2", "a loopback address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("fd12:3456::1", "a private address"),
        ("fe80::1", "a link-local address"),
        ("::1", "a loopback address"),
        ("::ffff:10.0.0.5", "a private address"),
        ("64:ff9b::a9fe:a9fe", "a cloud metadata address"),
    ],
)
async def test_a_name_resolving_to_a_non_public_address_is_refused_before_connecting(
    transport, dns, no_outside_connections, address, reason
):
    dns["evil.test"] = [address]
    policy = OutboundPolicy(allowed_hosts=frozenset({"evil.test"}))
    async with client_for(transport, policy) as http:
        with pytest.raises(OutboundRefused) as refused:
            await http.get("http://evil.test/")
    assert refused.value.host == "evil.test"
    assert refused.value.reason == f"it resolves to {ipaddress.ip_address(address)}, {reason}"
    assert no_outside_connections == []


async def test_a_name_mixing_public_and_private_answers_is_refused(transport, dns):
    dns["rebind.test"] = ["93.184.216.34", "10.0.0.5"]  # the tripwire fails on any connect
    async with client_for(transport, OutboundPolicy()) as http:
        with pytest.raises(OutboundRefused, match=r"resolves to 10\.0\.0\.5, a private address"):
            await http.get("https://rebind.test/")


async def test_metadata_stays_refused_for_a_host_allowed_on_private_addresses(transport, dns):
    dns["internal.test"] = ["169.254.169.254"]
    policy = OutboundPolicy(allow_private_hosts=frozenset({"internal.test"}))
    async with client_for(transport, policy) as http:
        with pytest.raises(OutboundRefused, match="a cloud metadata address"):
            await http.get("http://internal.test/latest/meta-data/")


async def test_a_refusal_is_a_final_connector_error_naming_the_host_not_the_url(transport, dns):
    dns["evil.test"] = ["10.0.0.5"]
    async with client_for(transport, OutboundPolicy()) as http:
        with pytest.raises(OutboundRefused) as refused:
            await http.get("http://evil.test/path?token=PLANTED-SECRET")
    assert isinstance(refused.value, ConnectorError)
    assert not isinstance(refused.value, RetryableError | httpx.HTTPError)
    assert "evil.test" in refused.value.message
    assert "PLANTED-SECRET" not in str(refused.value)
    assert "/path" not in str(refused.value)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://a.test/"])
async def test_non_http_schemes_are_refused(transport, url):
    async with client_for(transport, LOCAL) as http:
        with pytest.raises(OutboundRefused, match="is not allowed"):
            await http.get(url)


# --- Redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://evil.test/latest/meta-data/", "a cloud metadata address"),
        ("http://localhost:{port}/", "a loopback address"),
        ("http://[::1]:{port}/", "a loopback address"),
        ("http://elsewhere.test/", "not in this port's allowed hosts"),
        ("file:///etc/passwd", "is not allowed"),
    ],
)
async def test_a_redirect_to_a_forbidden_target_is_refused(transport, server, dns, target, reason):
    dns["evil.test"] = ["169.254.169.254"]
    dns["elsewhere.test"] = ["127.0.0.1"]
    policy = OutboundPolicy(
        allowed_hosts=frozenset({"127.0.0.1", "localhost", "::1", "evil.test"}),
        allow_private_hosts=frozenset({"127.0.0.1", "elsewhere.test"}),
    )
    to = target.format(port=server.port)
    async with client_for(transport, policy) as http:
        with pytest.raises(OutboundRefused, match=re.escape(reason)):
            await http.get(server.url + "/redirect", params={"to": to}, follow_redirects=True)
    assert [r["path"].split("?")[0] for r in server.requests] == ["/redirect"]


async def test_allowed_redirects_are_followed_up_to_the_limit(transport, server):
    async with client_for(transport, LOCAL) as http:
        followed = await http.get(
            server.url + "/redirect", params={"to": "/landed"}, follow_redirects=True
        )
        assert followed.json() == {"path": "/landed"}
        assert followed.history[0].status_code == 302
        with pytest.raises(httpx.TooManyRedirects):
            await http.get(server.url + "/loop", follow_redirects=True)
        not_followed = await http.get(server.url + "/redirect", params={"to": "/landed"})
    assert not_followed.status_code == 302
    loops = [r for r in server.requests if r["path"] == "/loop"]
    assert len(loops) == 1 + outbound.MAX_REDIRECTS


# --- Response caps --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big", "/stream", "/gzip?size=4000000"])
async def test_a_response_larger_than_the_cap_is_refused(transport, server, path):
    policy = OutboundPolicy(allow_private_hosts=frozenset({"127.0.0.1"}), max_response_bytes=CAP)
    async with client_for(transport, policy) as http:
        with pytest.raises(ResponseTooLarge, match=f"larger than {CAP} bytes"):
            await http.get(server.url + path)


async def test_a_streamed_response_stops_at_the_cap_without_buffering(transport, server):
    policy = OutboundPolicy(allow_private_hosts=frozenset({"127.0.0.1"}), max_response_bytes=CAP)
    received: list[int] = []

    async def read(response: httpx.Response) -> None:
        async for chunk in response.aiter_raw():
            received.append(len(chunk))

    async with (
        client_for(transport, policy) as http,
        http.stream("GET", server.url + "/stream") as response,
    ):
        with pytest.raises(ResponseTooLarge):
            await read(response)
    assert sum(received) <= CAP


async def test_a_compressed_response_under_the_cap_is_decoded_once(transport, server):
    policy = OutboundPolicy(allow_private_hosts=frozenset({"127.0.0.1"}), max_response_bytes=CAP)
    async with client_for(transport, policy) as http:
        response = await http.get(server.url + "/gzip?size=1000")
    assert response.json() == {"pad": "z" * 1000}
    assert server.requests[0]["headers"]["Accept-Encoding"] == "gzip, deflate"


# --- Tracing and the shared pool ------------------------------------------------------------


async def test_every_request_carries_a_traceparent_with_the_calls_trace_id(transport, server):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with client_for(transport, LOCAL, trace_id=trace_id) as http:
        await http.get(server.url + "/one")
        await http.get(server.url + "/two")
    async with client_for(transport, LOCAL) as http:
        await http.get(server.url + "/generated")
    found = [TRACEPARENT.fullmatch(r["headers"]["traceparent"]) for r in server.requests]
    assert all(found)
    traces = [match.group(1) for match in found if match]
    spans = [match.group(2) for match in found if match]
    assert traces[:2] == [trace_id, trace_id]
    assert traces[2] not in (trace_id, "0" * 32)
    assert spans[0] != spans[1]


@pytest.mark.parametrize("bad", ["abc", "0" * 32, "g" * 32])
def test_a_malformed_trace_id_is_refused(bad):
    with pytest.raises(ValueError, match="trace id"):
        client_for(OutboundTransport(), LOCAL, trace_id=bad)


async def test_per_call_clients_share_one_connection_pool(transport, server):
    other = OutboundPolicy(allow_private_hosts=frozenset({"127.0.0.1"}), max_response_bytes=CAP)
    async with client_for(transport, LOCAL) as first:
        await first.get(server.url + "/first")
    async with client_for(transport, other) as second:
        await second.get(server.url + "/second")
    peers = {r["peer"] for r in server.requests}
    assert len(peers) == 1  # the second call reused the first call's kept-alive connection


async def test_a_connection_opened_for_a_private_host_is_not_reused_by_a_stricter_policy(
    transport, server
):
    async with client_for(transport, LOCAL) as loose:
        await loose.get(server.url + "/loose")
    async with client_for(transport, OutboundPolicy()) as strict:
        with pytest.raises(OutboundRefused, match="loopback"):
            await strict.get(server.url + "/strict")
    assert [r["path"] for r in server.requests] == ["/loose"]


async def test_the_node_client_allows_loopback_and_refuses_other_private_targets(server, dns):
    dns["evil.test"] = ["10.0.0.5"]
    node_client = create_outbound_client()
    async with node_client:
        assert (await node_client.get(server.url + "/node")).json() == {"path": "/node"}
        with pytest.raises(OutboundRefused, match="a private address"):
            await node_client.get("http://evil.test/")
        async with client_for(node_client, OutboundPolicy()) as strict:
            with pytest.raises(OutboundRefused, match="loopback"):
                await strict.get(server.url + "/")
    assert TRACEPARENT.fullmatch(server.requests[0]["headers"]["traceparent"])


async def test_fetch_trusted_only_reaches_trusted_public_hosts(transport, server, dns):
    dns["dock.test"] = ["192.168.0.7"]
    with pytest.raises(OutboundRefused, match="not in this port's allowed hosts"):
        await fetch_trusted(transport, server.url + "/manifest", ["dock.test"])
    with pytest.raises(OutboundRefused, match="a private address"):
        await fetch_trusted(transport, "https://dock.test/manifest.json", ["dock.test"])
    assert server.requests == []


def test_a_port_config_gives_its_policy():
    policy = OutboundPolicy.from_config(
        {"allowed_hosts": ["API.Example.com.", "[::1]"], "allow_private_hosts": ["::1"]}
    )
    assert policy.allowed_hosts == frozenset({"api.example.com", "::1"})
    assert policy.allow_private_hosts == frozenset({"::1"})
    assert OutboundPolicy.from_config({}).allowed_hosts is None
    with pytest.raises(ValueError, match="list of host names"):
        OutboundPolicy.from_config({"allowed_hosts": "api.example.com"})
