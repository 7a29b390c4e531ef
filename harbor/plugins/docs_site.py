"""The node's own documentation at ``/docs``: the MkDocs site of this version, offline.

The site is built into the package (``harbor/docs_site``) when the wheel is built, or by
``scripts/build-docs-site`` in a checkout. Docs hold nothing secret, so no credential is
needed; the host guard still applies as to every route. A node without a built site answers
404 with a page saying how to build it, never an empty or fake page.
"""

from __future__ import annotations

import mimetypes
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from harbor.api.access import public_access
from harbor.connector import hookimpl

DOCS_PREFIX = "/docs"
BUILD_COMMAND = "scripts/build-docs-site"
MISSING_SITE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Harbor docs not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>The documentation is not built into this installation</h1>
<p>Harbor serves the docs of its own version from the installed package. Wheels built with
<code>pip wheel</code> or <code>python -m build</code> include them; in a source checkout
(an editable install) build them once with:</p>
<pre>{command}</pre>
<p>and reload this page. The same pages are in the <code>docs/</code> folder of the source.</p>
</body></html>
"""
# Types the site uses that some systems' mime tables lack.
EXTRA_TYPES = {".js": "text/javascript", ".svg": "image/svg+xml", ".woff2": "font/woff2"}


def site_directory() -> Path:
    """Where the built site lives inside the installed ``harbor`` package."""
    return Path(str(files("harbor") / "docs_site"))


def resolve_page(site: Path, path: str) -> Path | None:
    """The file a URL path names inside ``site``; ``None`` when missing or outside it."""
    root = site.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def content_type(path: Path) -> str:
    """The media type of a file of the site."""
    guessed = EXTRA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    kind = guessed or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def not_found(site: Path) -> Response:
    """The site's own 404 page, or the explanation when no site is built."""
    page = site / "404.html"
    if page.is_file():
        return FileResponse(page, status_code=404, media_type="text/html; charset=utf-8")
    return HTMLResponse(MISSING_SITE_PAGE.format(command=BUILD_COMMAND), status_code=404)


def docs_router() -> APIRouter:
    """``/docs`` (redirect) and ``/docs/{path}``: the static files of the built site."""
    router = APIRouter()

    @router.get(DOCS_PREFIX, include_in_schema=False, openapi_extra=public_access())
    def docs_root() -> RedirectResponse:
        # Relative links in the site only resolve below a trailing slash.
        return RedirectResponse(f"{DOCS_PREFIX}/", status_code=308)

    @router.get(
        DOCS_PREFIX + "/{path:path}", include_in_schema=False, openapi_extra=public_access()
    )
    def docs_file(path: str) -> Response:
        site = site_directory()
        if not (site / "index.html").is_file():
            return not_found(site)
        target = resolve_page(site, path)
        if target is None:
            return not_found(site)
        if target.name == "index.html" and path and not path.endswith(("/", "index.html")):
            return RedirectResponse(f"{DOCS_PREFIX}/{path}/", status_code=308)
        return FileResponse(target, media_type=content_type(target))

    return router


@hookimpl
def harbor_routes() -> list[APIRouter]:
    """The docs site at ``/docs``."""
    return [docs_router()]
