"""Server-rendered pages: one Jinja2 environment for ``templates/web/``, and CSRF protection.

Pages work without JavaScript; scripts only enhance. Every form carries a CSRF token that is an
HMAC of the visitor's cookie nonce, so a form posted from another site is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notify.render import TEMPLATE_DIR, _add_filters
from notify.web import page_texts
from notify.web.problems import Problem

CSRF_COOKIE = "sb_csrf"
CSRF_FIELD = "csrf_token"


@cache
def page_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR / "web"),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # templates change with a deploy, not while serving: no stat() of every template (and
        # each one it extends) per page; NOTIFY_TEMPLATE_RELOAD=1 for editing them live
        auto_reload=os.environ.get("NOTIFY_TEMPLATE_RELOAD") == "1",
    )
    _add_filters(env)
    return env


def warm_templates(prefixes: tuple[str, ...] = ("archive/", "base.html.j2")) -> int:
    """Compile the public pages' templates before the first visitor: otherwise the first
    requests, arriving together, each compile them at once (about 70 ms a template)."""
    env = page_environment()
    names = [n for n in env.list_templates() if n.startswith(prefixes)]
    for name in names:
        env.get_template(name)
    return len(names)


def _secret(request: Request) -> bytes:
    return request.app.state.rt.settings.resolved_secret_key().split()[0].encode()


def _nonce(request: Request) -> str:
    nonce = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_nonce", None)
    if not nonce:
        nonce = secrets.token_urlsafe(16)
        request.state.csrf_nonce = nonce
    return nonce


def csrf_token(request: Request) -> str:
    return hmac.new(_secret(request), _nonce(request).encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, token: str | None) -> None:
    """Raise 403 unless ``token`` belongs to this visitor's cookie."""
    nonce = request.cookies.get(CSRF_COOKIE)
    expected = hmac.new(_secret(request), (nonce or "").encode(), hashlib.sha256).hexdigest()
    if not nonce or not token or not hmac.compare_digest(expected, token):
        raise Problem(403, "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und senden Sie es noch einmal.")


def render_page(request: Request, template: str, status_code: int = 200, language: str = "de",
                **context: Any) -> HTMLResponse:  # fmt: skip
    """Render ``templates/web/<template>`` with the CSRF token and the city name available.

    ``language`` sets ``<html lang>`` and ``_`` (the page's words, see ``notify.web.page_texts``).
    """
    rt = request.app.state.rt
    language = language if language in page_texts.shipped() else page_texts.SOURCE
    html = (
        page_environment()
        .get_template(template)
        .render(
            request=request, csrf_field=CSRF_FIELD, csrf_token=csrf_token(request), city=rt.catalogue.city,
            lang=language, _=page_texts.translator(language), **context,
        )
    )  # fmt: skip
    return page_response(request, html, status_code)


def page_response(request: Request, html: str | bytes, status_code: int = 200) -> HTMLResponse:
    """A rendered page with the headers every page gets (and the visitor's CSRF cookie)."""
    rt = request.app.state.rt
    response = HTMLResponse(html, status_code=status_code)
    if not request.cookies.get(CSRF_COOKIE):
        secure = rt.settings.base_url.startswith("https://")
        response.set_cookie(CSRF_COOKIE, _nonce(request), httponly=True, samesite="lax", secure=secure)
    response.headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
