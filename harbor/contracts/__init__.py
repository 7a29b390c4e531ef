"""The public API models, re-exported from harbor-client (plain pydantic, no SQLModel)."""

from harbor_client.call_models import *  # noqa: F403
from harbor_client.call_models import __all__ as _calls_all
from harbor_client.dock_models import *  # noqa: F403
from harbor_client.dock_models import __all__ as _dock_all
from harbor_client.event_models import *  # noqa: F403
from harbor_client.event_models import __all__ as _events_all
from harbor_client.license_api import LicenseEnroll, LicenseStatus, LicenseUnenrolled
from harbor_client.models import *  # noqa: F403
from harbor_client.models import __all__ as _models_all
from harbor_client.operator_models import *  # noqa: F403
from harbor_client.operator_models import __all__ as _operators_all
from harbor_client.overview_models import *  # noqa: F403
from harbor_client.overview_models import __all__ as _overview_all
from harbor_client.pack_models import *  # noqa: F403
from harbor_client.pack_models import __all__ as _pack_all

__all__ = [
    *_models_all, *_calls_all, *_dock_all, *_pack_all, *_events_all, *_overview_all,
    *_operators_all,
    "LicenseEnroll", "LicenseStatus", "LicenseUnenrolled",
]  # fmt: skip
