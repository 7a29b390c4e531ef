"""Helpers shared by Harbor's Google connectors (a library: it registers no connector)."""

from harbor_google_common.api import base_url, google_error, raise_for_status, send

__all__ = ["base_url", "google_error", "raise_for_status", "send"]
