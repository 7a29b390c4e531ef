"""The public API models, re-exported from harbor-client (plain pydantic, no SQLModel)."""

from harbor_client.models import *  # noqa: F403
from harbor_client.models import __all__ as _models_all

__all__ = list(_models_all)
