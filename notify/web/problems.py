"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM = "application/problem+json"
TITLES = {
    400: "Ungültige Anfrage",
    401: "Anmeldung fehlt",
    403: "Keine Berechtigung",
    404: "Nicht gefunden",
    405: "Methode nicht erlaubt",
    409: "Konflikt",
    413: "Anfrage zu groß",
    415: "Falscher Inhaltstyp",
    422: "Ungültige Daten",
    429: "Zu viele Anfragen",
    500: "Interner Fehler",
    503: "Dienst nicht erreichbar",
}


class Problem(Exception):
    """Raise anywhere in a route to answer with problem+json."""

    def __init__(
        self, status: int, detail: str, *, type_: str = "about:blank", headers: dict | None = None, **extra: Any
    ):
        self.status, self.detail, self.type, self.headers, self.extra = status, detail, type_, headers or {}, extra


def problem_response(status: int, detail: str, *, instance: str | None = None, type_: str = "about:blank",
                     headers: dict | None = None, **extra: Any) -> JSONResponse:  # fmt: skip
    body = {"type": type_, "title": TITLES.get(status, "Fehler"), "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    """problem+json on the API; German HTML pages on page routes (``notify.web.error_pages``)."""
    from fastapi.responses import Response

    from notify.web import error_pages as pages

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        if pages.is_page(request):
            return pages.html_error(request, exc.status, exc.detail, headers=exc.headers)
        return problem_response(exc.status, exc.detail, instance=request.url.path, type_=exc.type,
                                headers=exc.headers, **exc.extra)  # fmt: skip

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        headers = getattr(exc, "headers", None)
        if exc.status_code < 400:  # a redirect (e.g. to the staff sign-in) stays a redirect
            return Response(status_code=exc.status_code, headers=headers)
        english = pages.is_default_phrase(exc.status_code, exc.detail)
        if pages.is_page(request):
            return pages.html_error(request, exc.status_code, None if english else exc.detail, headers=headers)
        detail = pages.PAGES.get(exc.status_code, pages.PAGES[400])[1] if english else exc.detail
        return problem_response(exc.status_code, detail, instance=request.url.path, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        found = list(exc.errors())
        if pages.is_page(request):
            if found and all(e.get("loc", ("",))[0] == "path" for e in found):
                return pages.html_error(request, 404)  # /staff/mitteilungen/abc: there is no such page
            return pages.html_error(request, 422, messages=[
                f"{pages.field_of(e)}: {pages.german_message(e)}" if pages.field_of(e) else pages.german_message(e)
                for e in found])  # fmt: skip
        errors = [{"field": pages.field_of(e), "message": pages.german_message(e)} for e in found]
        return problem_response(400, "Die Anfrage enthält ungültige Felder.", instance=request.url.path, errors=errors)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        if pages.is_page(request):
            return pages.html_error(request, 500)
        return problem_response(500, "Etwas ist schiefgegangen. Bitte versuchen Sie es später noch einmal.",
                                instance=request.url.path)  # fmt: skip
