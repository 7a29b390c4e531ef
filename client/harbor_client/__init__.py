"""harbor-client: the Python SDK and public API models for Harbor."""

from harbor_client.client import DEFAULT_URL, HarborClient, NodeUnreachable
from harbor_client.errors import ERROR_CODES, HarborError, error_from_problem

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_URL",
    "ERROR_CODES",
    "HarborClient",
    "HarborError",
    "NodeUnreachable",
    "__version__",
    "error_from_problem",
]
