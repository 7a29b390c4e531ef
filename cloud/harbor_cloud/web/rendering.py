"""Rendering pages: Jinja2 templates with the CSRF token and the signed-in member."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from harbor_cloud.web.sessions import Member, csrf_token, finish_presession

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def render(
    request: Request,
    template: str,
    member: Member | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """The page ``template`` with the member, a CSRF token and ``context``."""
    context.update(member=member, csrf_token=csrf_token(request))
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    return finish_presession(request, response)
