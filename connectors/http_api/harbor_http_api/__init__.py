"""harbor-http-api: the Harbor connector for any HTTP API."""

from harbor_http_api.connector import HttpApiConnector

__all__ = ["HttpApiConnector"]
