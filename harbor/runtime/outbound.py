"""The core's outbound HTTP client handed to connectors: one pooled client per node.

The governed-call work hardens this client (SSRF guard on the resolved address, allowed
hosts per port, redirect re-checks, response caps, tracing); connectors already receive it
through ``CallContext.http`` and never build their own.
"""

from __future__ import annotations

import httpx

from harbor import __version__

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def create_outbound_client() -> httpx.AsyncClient:
    """A pooled async client with Harbor's defaults."""
    return httpx.AsyncClient(
        timeout=DEFAULT_TIMEOUT,
        follow_redirects=False,
        headers={"User-Agent": f"harbor/{__version__}"},
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )
