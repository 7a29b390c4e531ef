"""Requests to the Gmail API: its root, its paths, and the shared Google client."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from harbor_google_common import api as google

from harbor.connector import CallContext

DEFAULT_API_BASE_URL = "https://gmail.googleapis.com"


def user_path(*segments: str) -> str:
    """``/gmail/v1/users/me/...`` with every segment percent-encoded."""
    return "/gmail/v1/users/me/" + "/".join(quote(s, safe="") for s in segments)


async def send(ctx: CallContext, method: str, path: str, **request: Any) -> Any:
    """One request to the Gmail API (see ``harbor_google_common.api.send``)."""
    return await google.send(ctx, method, path, default_base_url=DEFAULT_API_BASE_URL, **request)
