"""The core's outbound HTTP client: one guarded connection pool per node.

Every outside request a connector or the core makes goes through :class:`OutboundTransport`:

- per request, the URL's scheme must be http(s) and its host must pass the call's
  :class:`OutboundPolicy` (the port's allowed hosts) — redirects are followed by httpx hop by
  hop, so every hop is checked again;
- per connection, :class:`GuardedBackend` resolves the host itself, refuses private, loopback,
  link-local, metadata and other non-public addresses, and connects to the checked address
  (TLS still verifies the host name), so DNS rebinding cannot get around the check;
- responses are capped (decoded size), and every request carries a W3C ``traceparent``.

The transport holds two httpcore pools: one that only ever connects to public addresses and
one for hosts a policy explicitly allows on private addresses, so a connection opened under a
looser policy is never reused by a stricter one.
"""

from __future__ import annotations

import functools
import ipaddress
import random
import re
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpcore
import httpx

from harbor import __version__
from harbor.connector import ConnectorError

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
ALLOWED_SCHEMES = frozenset({"http", "https"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "::1", "localhost"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
"""Refused even for hosts allowed on private addresses (unless the host is the literal IP)."""

_REFUSED_NETWORKS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(network), reason)
    for network, reason in (
        ("0.0.0.0/8", "an unspecified address"),
        ("127.0.0.0/8", "a loopback address"),
        ("10.0.0.0/8", "a private address"),
        ("172.16.0.0/12", "a private address"),
        ("192.168.0.0/16", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT address"),
        ("169.254.0.0/16", "a link-local address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("fc00::/7", "a private address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_TRACE_ID = re.compile(r"[0-9a-f]{32}")


class OutboundRefused(ConnectorError):
    """The guard refused an outside request; retrying will not help.

    The message names the host and the reason, never the URL's path or query (they may
    carry secrets). A connector lets it propagate: it is a :class:`ConnectorError`.
    """

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"outbound request to {host or 'no host'} refused: {reason}")
        self.host = host
        self.reason = reason


class ResponseTooLarge(OutboundRefused):
    """The response body is larger than the cap; reading stopped at the cap."""

    def __init__(self, host: str, limit: int) -> None:
        super().__init__(host, f"the response is larger than {limit} bytes")
        self.limit = limit


# --- Policy ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def normalize_host(host: str) -> str:
    """A host as the guard compares it: lower case, IDNA, no brackets or trailing dot."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("*."):
        return "*." + normalize_host(host[2:])
    host = host.removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return httpx.URL(f"http://{host}/").raw_host.decode("ascii").rstrip(".")
    except httpx.InvalidURL as err:
        raise ValueError(f"not a valid host name: {host!r}") from err


def host_matches(host: str, patterns: frozenset[str]) -> bool:
    """Whether ``host`` is in ``patterns``; ``*.example.com`` matches every subdomain."""
    if host in patterns:
        return True
    dot = host.find(".")
    while dot != -1:
        if "*" + host[dot:] in patterns:
            return True
        dot = host.find(".", dot + 1)
    return False


def _host_list(value: object, key: str) -> frozenset[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(h, str) for h in value):
        raise ValueError(f"{key} must be a list of host names")
    return frozenset(value)


def _hosts(hosts: Iterable[str]) -> frozenset[str]:
    if isinstance(hosts, str):  # a single name, not its characters
        hosts = [hosts]
    return frozenset(normalize_host(host) for host in hosts)


@dataclass(frozen=True)
class OutboundPolicy:
    """Where one port (or one core fetch) may send requests.

    ``allowed_hosts``: when set, only these hosts may be contacted (``*.example.com`` for
    subdomains). ``allow_private_hosts``: hosts that may resolve to private, loopback or
    link-local addresses (never to cloud metadata, unless the host is that literal IP).
    ``max_response_bytes``: the response cap; ``None`` takes the transport's default.
    """

    allowed_hosts: frozenset[str] | None = None
    allow_private_hosts: frozenset[str] = frozenset()
    max_response_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.allowed_hosts is not None:
            object.__setattr__(self, "allowed_hosts", _hosts(self.allowed_hosts))
        object.__setattr__(self, "allow_private_hosts", _hosts(self.allow_private_hosts))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OutboundPolicy:
        """The policy in a port's config: lists ``allowed_hosts`` and ``allow_private_hosts``."""
        allowed = config.get("allowed_hosts")
        return cls(
            allowed_hosts=None if allowed is None else _host_list(allowed, "allowed_hosts"),
            allow_private_hosts=_host_list(
                config.get("allow_private_hosts", []), "allow_private_hosts"
            ),
        )

    @classmethod
    def trusted(cls, hosts: Iterable[str], max_response_bytes: int | None = None) -> OutboundPolicy:
        """Only ``hosts``, on public addresses only: for the core's own fetches."""
        return cls(allowed_hosts=_hosts(hosts), max_response_bytes=max_response_bytes)

    def check(self, url: httpx.URL) -> bool:
        """Refuse ``url`` if this policy forbids it; return whether it may reach private IPs."""
        host = request_host(url)
        if url.scheme not in ALLOWED_SCHEMES:
            raise OutboundRefused(host, f"the scheme {url.scheme!r} is not allowed")
        if not host:
            raise OutboundRefused(host, "the URL has no host")
        if self.allowed_hosts is not None and not host_matches(host, self.allowed_hosts):
            raise OutboundRefused(host, "the host is not in this port's allowed hosts")
        return host_matches(host, self.allow_private_hosts)


NODE_CLIENT_POLICY = OutboundPolicy(allow_private_hosts=LOOPBACK_NAMES)
"""The node-wide client's policy, for callers with no port policy: any public host, plus
the loopback names (local development); every other non-public target is refused."""


def request_host(url: httpx.URL) -> str:
    """The URL's host, normalised the way policies are."""
    host = url.raw_host.decode("ascii").rstrip(".")
    return normalize_host(host) if ":" in host else host


# --- The connect-time guard -----------------------------------------------------------------


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal_reason(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why the guard refuses to connect to ``address``, or ``None`` when it may."""
    embedded = _embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    if embedded is not None and (reason := refusal_reason(embedded, allow_private=allow_private)):
        return reason
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if allow_private:
        return None
    for network, reason in _REFUSED_NETWORKS:
        if address in network:
            return reason
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "not a public address"
    return None


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order (tests replace this)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def checked_addresses(
    host: str, port: int, *, allow_private: bool, timeout: float | None = None
) -> list[IPAddress]:
    """Resolve ``host`` and check every address; raise OutboundRefused if any is refused."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        # On the private pool a literal IP was named by the policy itself: even metadata.
        if not allow_private and (reason := refusal_reason(literal)):
            raise OutboundRefused(host, f"{literal} is {reason}")
        return [literal]
    try:
        with anyio.fail_after(timeout):
            found = await resolve_host(host, port)
    except TimeoutError as err:
        raise httpcore.ConnectTimeout(f"resolving {host} timed out") from err
    except OSError as err:
        raise httpcore.ConnectError(f"cannot resolve {host}: {err.strerror or err}") from err
    addresses = [ipaddress.ip_address(address) for address in found]
    if not addresses:
        raise httpcore.ConnectError(f"{host} has no address")
    for address in addresses:
        # One refused address refuses the host: a name that mixes public and private
        # answers is a rebinding attempt, not a name to pick a safe answer from.
        if reason := refusal_reason(address, allow_private=allow_private):
            raise OutboundRefused(host, f"it resolves to {address}, {reason}")
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard accepts."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve and check ``host``, then connect to the first checked address that answers."""
        addresses = await checked_addresses(
            host, port, allow_private=self.allow_private, timeout=timeout
        )
        error: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as err:
                error = err
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Refused: outbound requests use TCP only."""
        raise OutboundRefused("a unix socket", "unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Sleep on the running event loop."""
        await self._inner.sleep(seconds)


# --- The shared transport -------------------------------------------------------------------


def _guarded_pool(
    ssl_context: ssl.SSLContext, limits: httpx.Limits, *, allow_private: bool
) -> httpx.AsyncHTTPTransport:
    """httpx's transport with its httpcore pool rebuilt on the guarded network backend."""
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, trust_env=False, limits=limits)
    if not isinstance(getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        raise RuntimeError(f"httpx {httpx.__version__} is not supported by the outbound guard")
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(allow_private=allow_private),
    )
    return transport


class OutboundTransport(httpx.AsyncBaseTransport):
    """The node's one guarded connection pool, shared by every outbound client."""

    def __init__(
        self,
        *,
        limits: httpx.Limits = DEFAULT_LIMITS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        default_policy: OutboundPolicy = NODE_CLIENT_POLICY,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
        self.max_response_bytes = max_response_bytes
        self.default_policy = default_policy
        self._public = _guarded_pool(ssl_context, limits, allow_private=False)
        self._private = _guarded_pool(ssl_context, limits, allow_private=True)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send under the default policy, with a fresh trace id (the node-wide client)."""
        request.headers["traceparent"] = traceparent(new_trace_id())
        return await self.send_checked(request, self.default_policy)

    async def send_checked(self, request: httpx.Request, policy: OutboundPolicy) -> httpx.Response:
        """Send ``request`` if ``policy`` allows its URL; the response body is capped."""
        private = policy.check(request.url)
        pool = self._private if private else self._public
        response = await pool.handle_async_request(request)
        limit = policy.max_response_bytes or self.max_response_bytes
        return await _capped(response, request_host(request.url), limit)

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._public.aclose()
        await self._private.aclose()


class _CappedStream(httpx.AsyncByteStream):
    """A response body that stops with ResponseTooLarge past ``limit`` decoded bytes."""

    def __init__(self, inner: httpx.AsyncByteStream, host: str, limit: int, wbits: int | None):
        self._inner, self._host, self._limit = inner, host, limit
        self._decoder = None if wbits is None else zlib.decompressobj(wbits)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for raw in self._inner:
            chunk = self._decode(raw, self._limit - seen + 1)
            seen += len(chunk)
            if seen > self._limit:
                raise ResponseTooLarge(self._host, self._limit)
            if chunk:
                yield chunk
        if self._decoder is not None and (tail := self._decoder.flush()):
            if seen + len(tail) > self._limit:
                raise ResponseTooLarge(self._host, self._limit)
            yield tail

    def _decode(self, raw: bytes, room: int) -> bytes:
        if self._decoder is None:
            return raw
        try:  # never inflate more than one byte past the cap (a compression bomb stops here)
            return self._decoder.decompress(raw, room)
        except zlib.error as err:
            raise httpx.DecodingError(f"the response from {self._host} is corrupt") from err

    async def aclose(self) -> None:
        """Close the underlying response."""
        await self._inner.aclose()


_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


async def _capped(response: httpx.Response, host: str, limit: int) -> httpx.Response:
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        await response.aclose()
        raise ResponseTooLarge(host, limit)
    wbits = _WBITS.get(response.headers.get("content-encoding", "").strip().lower())
    headers = response.headers
    if wbits is not None:  # decoded here, under the cap, so httpx must not decode again
        headers = httpx.Headers(
            [(k, v) for k, v in response.headers.raw if k.lower() not in _ENCODING_HEADERS]
        )
    assert isinstance(response.stream, httpx.AsyncByteStream)
    return httpx.Response(
        status_code=response.status_code,
        headers=headers,
        stream=_CappedStream(response.stream, host, limit, wbits),
        extensions=response.extensions,
    )


_ENCODING_HEADERS = (b"content-encoding", b"content-length")


# --- Tracing and clients --------------------------------------------------------------------


def new_trace_id() -> str:
    """A random W3C trace id: 32 lower-case hex digits, not all zero."""
    return f"{random.getrandbits(128) or 1:032x}"


def traceparent(trace_id: str) -> str:
    """A W3C ``traceparent`` for one outgoing request of the trace ``trace_id``."""
    return f"00-{trace_id}-{random.getrandbits(64) or 1:016x}-01"


def _client_options() -> dict[str, Any]:
    return {
        "timeout": DEFAULT_TIMEOUT,
        # Off by default as before: httpx strips only Authorization on a cross-origin hop, so
        # a key in another header would follow. When a request opts in, every hop goes
        # through the transport and is checked again.
        "follow_redirects": False,
        "max_redirects": MAX_REDIRECTS,
        "trust_env": False,
        # Only encodings the transport decodes under the cap.
        "headers": {"User-Agent": f"harbor/{__version__}", "Accept-Encoding": "gzip, deflate"},
    }


class OutboundClient(httpx.AsyncClient):
    """The node-wide client: owns the shared transport; closing it closes the pool."""

    def __init__(self, transport: OutboundTransport) -> None:
        super().__init__(transport=transport, **_client_options())
        self.shared_transport = transport


class _CallTransport(httpx.AsyncBaseTransport):
    """One call's view of the shared transport: its policy and trace id."""

    def __init__(self, shared: OutboundTransport, policy: OutboundPolicy, trace_id: str) -> None:
        self._shared, self._policy, self._trace_id = shared, policy, trace_id

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Add the call's traceparent and send through the shared pool under the policy."""
        request.headers["traceparent"] = traceparent(self._trace_id)
        return await self._shared.send_checked(request, self._policy)

    async def aclose(self) -> None:
        """Nothing to close: the pool belongs to the node."""


def create_outbound_client(
    *,
    policy: OutboundPolicy = NODE_CLIENT_POLICY,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> OutboundClient:
    """The node's pooled, guarded client (one per node; hand out :func:`client_for` per call)."""
    transport = OutboundTransport(max_response_bytes=max_response_bytes, default_policy=policy)
    return OutboundClient(transport)


def client_for(
    base: httpx.AsyncClient | OutboundTransport,
    policy: OutboundPolicy,
    trace_id: str | None = None,
) -> httpx.AsyncClient:
    """A light client for one call, on the node's shared pool, under ``policy``.

    ``base`` is the node's client (``node.outbound()``) or its transport; ``trace_id`` is the
    call's W3C trace id (one is generated when not given). Closing the client closes nothing.
    """
    shared = base.shared_transport if isinstance(base, OutboundClient) else base
    if not isinstance(shared, OutboundTransport):
        raise TypeError("client_for needs the node's outbound client or its OutboundTransport")
    trace_id = new_trace_id() if trace_id is None else trace_id.lower()
    if not _TRACE_ID.fullmatch(trace_id) or trace_id == "0" * 32:
        raise ValueError("a trace id is 32 hex digits, not all zero")
    return httpx.AsyncClient(
        transport=_CallTransport(shared, policy, trace_id), **_client_options()
    )


async def fetch_trusted(
    base: httpx.AsyncClient | OutboundTransport,
    url: str,
    trusted_hosts: Iterable[str],
    *,
    trace_id: str | None = None,
    max_response_bytes: int | None = None,
) -> httpx.Response:
    """GET ``url`` for the core itself (a manifest, a pack) only from ``trusted_hosts``."""
    policy = OutboundPolicy.trusted(trusted_hosts, max_response_bytes=max_response_bytes)
    async with client_for(base, policy, trace_id) as client:
        return await client.get(url)
