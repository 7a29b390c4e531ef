"""Building blocks for connector tests: a real HTTP service on loopback and a runner.

Connector authors test against the real network stack, not mocks: :class:`Upstream` is an
HTTP server on 127.0.0.1 that plays the outside service and records what it received, and
:class:`ConnectorRunner` runs a connector's ``execute`` and ``check`` through the node's
guarded outbound client, exactly as the core would. The fixtures in :mod:`harbor.testing`
hand both out ready to use.
"""

from harbor.testkit.runner import ConnectorRunner
from harbor.testkit.upstream import RecordedRequest, Reply, Responder, Upstream, free_port

__all__ = ["ConnectorRunner", "RecordedRequest", "Reply", "Responder", "Upstream", "free_port"]
