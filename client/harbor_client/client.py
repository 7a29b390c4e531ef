"""The clients of a Harbor node: :class:`HarborClient` and :class:`AsyncHarborClient`.

Both have the same methods (the synchronous one is generated from the asynchronous one) and
share the models and the error mapping. ``url`` and ``key`` default to ``HARBOR_URL`` and
``HARBOR_KEY``.
"""

from __future__ import annotations

from harbor_client._async.client import AsyncHarborClient
from harbor_client._base import DEFAULT_URL, CallStillPending
from harbor_client._sync.client import HarborClient
from harbor_client.errors import NodeUnreachable

__all__ = [
    "DEFAULT_URL",
    "AsyncHarborClient",
    "CallStillPending",
    "HarborClient",
    "NodeUnreachable",
]
