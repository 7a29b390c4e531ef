"""``/static/...``: the console's stylesheet, script and icon, served from the package."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi.responses import FileResponse

from harbor.errors import NotFound
from harbor.ui.routing import ui_router

router = ui_router()
STATIC_DIR = Path(str(files("harbor.ui") / "static"))
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


@router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    """One file of ``harbor/ui/static`` (no sub-directories, nothing else)."""
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in MEDIA_TYPES or not path.is_file():
        raise NotFound(f"no console file '{name}'")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=300"},
    )
