"""The public API models, re-exported from harbor-client (plain pydantic, no SQLModel)."""

from harbor_client.call_models import *  # noqa: F403
from harbor_client.call_models import __all__ as _calls_all
from harbor_client.models import *  # noqa: F403
from harbor_client.models import __all__ as _models_all

__all__ = [*_models_all, *_calls_all]
