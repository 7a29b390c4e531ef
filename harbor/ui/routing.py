"""The console's router: pages outside the API schema, checked for CSRF, errors as pages.

``ui_router()`` is what every page module starts from. Its routes

- are left out of the OpenAPI document and declare ``ui_access()``, so the API's bearer check
  lets them through and the session dependency (``OperatorDep``) decides instead;
- check the CSRF token of every unsafe request before the page runs;
- turn a ``HarborError`` that escapes a page into an error page in plain words (never a
  stack trace), "sign in first" into a redirect to the sign-in page, and "no operator yet"
  into a redirect to first-run setup.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from starlette.concurrency import run_in_threadpool

from harbor.api.access import ui_access
from harbor.errors import HarborError, InvalidRequest
from harbor.ui.rendering import redirect_to, render
from harbor.ui.sessions import (
    SESSION_COOKIE,
    LoginRequired,
    SetupRequired,
    clear_session_cookie,
    login_url,
    verify_csrf,
)

log = logging.getLogger("harbor.ui")

#: Sent with every console page: nothing from elsewhere, no framing by other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _validation_error(err: RequestValidationError) -> InvalidRequest:
    """A form or query that does not fit the page, in plain words."""
    problems = []
    for item in err.errors():
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query")]
        problems.append({"pointer": "/".join(location), "message": item.get("msg", "")})
    return InvalidRequest(
        "some fields are missing or not valid", status=422, extra={"errors": problems}
    )


def _error_page(request: Request, err: HarborError | None) -> Response:
    """The error page; without ``err`` the generic "something went wrong" one."""
    status = err.status if err else 500
    context = {"status": status, "unexpected": err is None}
    return render(request, "error.html", context, status_code=status, error=err)


async def _page_or_error(
    request: Request, handler: Callable[[Request], Awaitable[Response]]
) -> Response:
    try:
        return await handler(request)
    except SetupRequired:
        return redirect_to(request, "/setup")
    except LoginRequired as err:
        response = redirect_to(request, login_url(err.extra.get("next")))
        if request.cookies.get(SESSION_COOKIE):  # revoked or expired: forget it
            clear_session_cookie(request, response)
        return response
    except HarborError as err:  # rendering reads the database: off the event loop
        return await run_in_threadpool(_error_page, request, err)
    except RequestValidationError as err:
        return await run_in_threadpool(_error_page, request, _validation_error(err))


class UIRoute(APIRoute):
    """A console page route (see the module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["include_in_schema"] = False
        kwargs["openapi_extra"] = {**(kwargs.get("openapi_extra") or {}), **ui_access()}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The page's handler, with errors rendered as pages and security headers added."""
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response = await _page_or_error(request, handler)
            except Exception:
                log.exception("console page %s failed", request.url.path)
                response = await run_in_threadpool(_error_page, request, None)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return page


def ui_router(**kwargs: Any) -> APIRouter:
    """A router for console pages: every route is a ``UIRoute`` and checks CSRF."""
    dependencies = [Depends(verify_csrf), *kwargs.pop("dependencies", [])]
    return APIRouter(route_class=UIRoute, dependencies=dependencies, **kwargs)
