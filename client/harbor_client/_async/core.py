"""The plumbing of one client: the connection pool, requests, models and problem errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from harbor_client._base import (
    default_headers,
    error_for,
    resolve_key,
    resolve_url,
    unreachable,
)

M = TypeVar("M", bound=BaseModel)


class AsyncCore:
    """Talks to one Harbor node with an agent key or an operator token.

    ``url`` and ``key`` default to the ``HARBOR_URL`` and ``HARBOR_KEY`` environment
    variables (``HARBOR_URL`` unset means ``http://127.0.0.1:8765``). Every answer that is
    not a success is raised as the :mod:`harbor_client.errors` class of its code.
    """

    def __init__(
        self,
        url: str | None = None,
        key: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = resolve_url(url)
        self.key = resolve_key(key)
        # Long-polls wait up to 60 s on the node: reading must be allowed longer than that.
        self._http = httpx.AsyncClient(
            base_url=self.url,
            headers=default_headers(self.key),
            timeout=httpx.Timeout(timeout, read=max(timeout, 75.0)),
            transport=transport,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; raise the matching HarborError for any problem answer."""
        response = await self._exchange(method, path, **kwargs)
        if response.is_success:
            return response
        raise error_for(response)

    async def _exchange(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request and return any answer; only a silent node raises."""
        try:
            return await self._http.request(method, path, **kwargs)
        except httpx.TransportError as err:
            raise unreachable(self.url, err) from err

    async def _get(self, path: str, model: type[M], **kwargs: Any) -> M:
        response = await self.request("GET", path, **kwargs)
        return model.model_validate(response.json())

    async def _get_list(self, path: str, model: type[M], **kwargs: Any) -> list[M]:
        response = await self.request("GET", path, **kwargs)
        return TypeAdapter(list[model]).validate_python(response.json())  # type: ignore[valid-type]

    async def _send(
        self, method: str, path: str, body: BaseModel | None, model: type[M], **kwargs: Any
    ) -> M:
        payload = body.model_dump(mode="json", exclude_unset=True) if body else None
        response = await self.request(method, path, json=payload, **kwargs)
        return model.model_validate(response.json())

    async def _stream_lines(self, path: str, params: dict[str, Any]) -> AsyncIterator[str]:
        """The non-empty lines of a streamed answer, as they arrive."""
        try:
            async with self._http.stream("GET", path, params=params) as response:
                if not response.is_success:
                    await response.aread()
                    raise error_for(response)
                async for line in response.aiter_lines():
                    if line.strip():
                        yield line
        except httpx.TransportError as err:
            raise unreachable(self.url, err) from err
