"""harbor-client: the Python SDK and public API models for Harbor.

``HarborClient`` (synchronous) and ``AsyncHarborClient`` talk to one node with an agent key
or an operator token; ``harbor_client.errors`` has one exception class per error code.
"""

from harbor_client.call_models import CallableAction, CallPublic
from harbor_client.client import (
    DEFAULT_URL,
    AsyncHarborClient,
    CallStillPending,
    HarborClient,
    NodeUnreachable,
)
from harbor_client.errors import (
    ERROR_CODES,
    ApprovalDenied,
    ApprovalExpired,
    HarborError,
    error_from_problem,
)
from harbor_client.event_models import InboundEventPage, InboundEventPublic

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_URL",
    "ERROR_CODES",
    "ApprovalDenied",
    "ApprovalExpired",
    "AsyncHarborClient",
    "CallPublic",
    "CallStillPending",
    "CallableAction",
    "HarborClient",
    "HarborError",
    "InboundEventPage",
    "InboundEventPublic",
    "NodeUnreachable",
    "__version__",
    "error_from_problem",
]
