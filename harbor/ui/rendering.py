"""Rendering console pages: the Jinja2 environment, the layout's context, flashes, redirects.

Templates live in ``harbor/ui/templates/<group>/`` and extend ``base.html``; the form and
display macros are in ``_macros.html``. Everything ships inside the package.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from harbor.errors import HarborError
from harbor.runtime.approvals import count_pending
from harbor.ui.sessions import csrf_token, is_https, optional_operator, remember_presession

FLASH_COOKIE = "harbor_flash"
FlashKind = Literal["success", "info", "warning", "error"]

#: The console's sections, in the order of the navigation bar.
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("Overview", "/"),
    ("Approvals", "/approvals"),
    ("Calls", "/calls"),
    ("Ports", "/ports"),
    ("Policies", "/policies"),
    ("Audit", "/audit"),
    ("Agents", "/agents"),
    ("Operators", "/operators"),
    ("Settings", "/settings"),
)


# --- filters ---------------------------------------------------------------------------------


def _as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_time(value: datetime | str | None) -> str:
    """``2026-11-23 12:51:07 UTC``."""
    moment = _as_datetime(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute" if seconds >= 5 else "a few seconds"


def relative_time(value: datetime | str | None, now: datetime | None = None) -> str:
    """``3 minutes ago`` or ``in 2 hours``."""
    moment = _as_datetime(value)
    if moment is None:
        return "—"
    delta = (moment - (now or datetime.now(UTC))).total_seconds()
    return f"in {_span(delta)}" if delta > 0 else f"{_span(delta)} ago"


def pretty_json(value: Any) -> str:
    """JSON for people: indented, keys in their order, non-ASCII kept."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _time_tag(value: datetime | str | None) -> Markup:
    """A ``<time>`` element: relative text, the exact time as its title."""
    moment = _as_datetime(value)
    if moment is None:
        return Markup("—")
    return Markup('<time datetime="{iso}" title="{exact}">{rel}</time>').format(
        iso=moment.isoformat(), exact=format_time(moment), rel=relative_time(moment)
    )


def build_environment() -> Environment:
    """The console's Jinja2 environment (autoescaped, templates from the package)."""
    env = Environment(
        loader=PackageLoader("harbor.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=format_time, ago=relative_time, pretty_json=pretty_json, time_tag=_time_tag
    )
    env.globals["navigation"] = NAVIGATION
    return env


ENVIRONMENT = build_environment()


# --- errors in plain words -------------------------------------------------------------------


def error_lines(err: HarborError) -> list[str]:
    """What went wrong, in plain words: the detail, then one line per located problem."""
    lines = [err.detail[:1].upper() + err.detail[1:]]
    for problem in err.extra.get("errors") or []:
        if isinstance(problem, Mapping):
            where = str(problem.get("pointer") or "").strip("/").replace("/", " → ")
            message = str(problem.get("message") or "")
            lines.append(f"{where}: {message}" if where else message)
    return lines


# --- flashes ---------------------------------------------------------------------------------


def read_flashes(request: Request) -> list[dict[str, str]]:
    """The messages the previous response left for this page."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, binascii.Error):
        return []
    if not isinstance(items, list):
        return []
    return [
        {"kind": str(item.get("kind", "info")), "text": str(item.get("text", ""))}
        for item in items[:5]
        if isinstance(item, dict)
    ]


def redirect_to(
    request: Request, url: str, flash: str | None = None, kind: FlashKind = "success"
) -> RedirectResponse:
    """303 to ``url`` (redirect-after-post), leaving ``flash`` for the next page to show."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        items = [*read_flashes(request), {"kind": kind, "text": flash}]
        value = base64.urlsafe_b64encode(json.dumps(items).encode()).decode()
        response.set_cookie(
            FLASH_COOKIE, value, httponly=True, samesite="lax", secure=is_https(request)
        )
    return response


# --- pages -----------------------------------------------------------------------------------


#: Pages reached from another section's page, highlighted as that section.
SUBSECTIONS: tuple[tuple[str, str], ...] = (("/dock", "Ports"), ("/packs", "Ports"))


def active_section(path: str) -> str | None:
    """The navigation entry a path belongs to."""
    for prefix, title in SUBSECTIONS:
        if path.startswith(prefix):
            return title
    for title, href in NAVIGATION:
        if (href == "/" and path == "/") or (href != "/" and path.startswith(href)):
            return title
    return None


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    error: HarborError | None = None,
) -> HTMLResponse:
    """Render ``template`` in the layout; ``error`` is shown inline at the top of the page."""
    operator = optional_operator(request)
    node = request.app.state.node
    page: dict[str, Any] = {
        "request": request,
        "operator": operator,
        "pending_approvals": count_pending(node) if operator is not None else 0,
        "csrf_token": csrf_token(request),
        "flashes": read_flashes(request),
        "active": active_section(request.url.path),
        "error": error_lines(error) if error else None,
        "node_version": node.version,
    }
    page.update(context or {})
    html = ENVIRONMENT.get_template(template).render(page)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE)
    remember_presession(request, response)
    return response
