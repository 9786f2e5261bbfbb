"""What a person sees when something goes wrong: a German HTML page in the site's layout on page
routes, RFC 9457 problem+json (also in German) on the JSON API under ``/v1/``.

Pydantic's English messages never reach anyone: ``german_message`` translates each error type
we can meet; anything else becomes a plain "Dieser Wert passt nicht".
"""

from __future__ import annotations

import html
import logging
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

log = logging.getLogger(__name__)
API_PREFIXES = ("/v1/", "/openapi.json", "/docs", "/redoc", "/healthz")
PAGES = {
    400: ("Die Anfrage stimmt nicht", "Bitte gehen Sie zurück und versuchen Sie es noch einmal."),
    401: ("Bitte melden Sie sich an", "Diese Seite ist nur für angemeldete Personen."),
    403: ("Kein Zugriff", "Diese Seite dürfen Sie nicht öffnen."),
    404: ("Diese Seite gibt es nicht",
          "Vielleicht ist in der Adresse ein Tippfehler. Bitte prüfen Sie die Adresse. Oder gehen Sie zur Startseite."),
    405: ("Das geht so nicht", "Diese Seite kann man so nicht aufrufen. Bitte gehen Sie zurück und nutzen Sie die "
                               "Knöpfe auf der Seite."),
    413: ("Das ist zu groß", "Bitte senden Sie weniger Text oder eine kleinere Datei."),
    422: ("Die Angaben stimmen nicht", "Bitte gehen Sie zurück und prüfen Sie Ihre Angaben."),
    429: ("Zu viele Versuche", "Bitte warten Sie einige Minuten. Dann versuchen Sie es noch einmal."),
    500: ("Da ist etwas schiefgegangen", "Das ist unser Fehler, nicht Ihrer. Bitte versuchen Sie es später noch "
                                         "einmal."),
    503: ("Gerade nicht erreichbar", "Bitte versuchen Sie es in einigen Minuten noch einmal."),
}  # fmt: skip
MESSAGES = {
    "missing": "Bitte ausfüllen.",
    "string_too_short": "Bitte ausfüllen.",
    "too_short": "Bitte wählen Sie mindestens einen Eintrag.",
    "string_too_long": "Der Text ist zu lang. Höchstens {max_length} Zeichen.",
    "too_long": "Das sind zu viele Einträge. Höchstens {max_length}.",
    "string_type": "Bitte geben Sie einen Text ein.",
    "int_parsing": "Bitte geben Sie eine ganze Zahl ein.",
    "int_type": "Bitte geben Sie eine ganze Zahl ein.",
    "float_parsing": "Bitte geben Sie eine Zahl ein.",
    "bool_parsing": "Bitte wählen Sie ja oder nein.",
    "bool_type": "Bitte wählen Sie ja oder nein.",
    "list_type": "Hier gehört eine Liste hin.",
    "dict_type": "Hier gehört ein Objekt hin.",
    "model_attributes_type": "Hier gehört ein Objekt hin.",
    "json_invalid": "Der Inhalt ist kein gültiges JSON.",
    "literal_error": "Bitte wählen Sie einen der möglichen Werte: {expected}.",
    "enum": "Bitte wählen Sie einen der möglichen Werte: {expected}.",
    "greater_than_equal": "Die Zahl muss mindestens {ge} sein.",
    "less_than_equal": "Die Zahl darf höchstens {le} sein.",
    "greater_than": "Die Zahl muss größer als {gt} sein.",
    "less_than": "Die Zahl muss kleiner als {lt} sein.",
    "datetime_parsing": "Bitte geben Sie Datum und Uhrzeit so ein: 2027-03-01T08:00.",
    "datetime_from_date_parsing": "Bitte geben Sie Datum und Uhrzeit so ein: 2027-03-01T08:00.",
    "datetime_type": "Bitte geben Sie Datum und Uhrzeit so ein: 2027-03-01T08:00.",
    "date_parsing": "Bitte geben Sie ein Datum so ein: 2027-03-01.",
    "url_parsing": "Diese Adresse stimmt nicht. Sie beginnt mit https://",
    "url_scheme": "Diese Adresse stimmt nicht. Sie beginnt mit https://",
    "extra_forbidden": "Dieses Feld kennen wir nicht.",
    "string_pattern_mismatch": "Diese Angabe hat nicht die richtige Form.",
}


def german_message(error: dict[str, Any]) -> str:
    """One pydantic error in plain German. A ``ValueError`` raised by our own validators already
    speaks German; it is passed on without pydantic's "Value error, " prefix."""
    kind = str(error.get("type", ""))
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ") or "Dieser Wert passt nicht."
    template = MESSAGES.get(kind)
    if template is None:
        return "Dieser Wert passt nicht."
    ctx = {k: v for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split(":")[0].split("{")[0].strip() or "Dieser Wert passt nicht."


def field_of(error: dict[str, Any]) -> str:
    return ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header", "cookie"))


def is_page(request: Request) -> bool:
    """Page routes are everything outside the JSON API."""
    path = request.url.path
    return not (path.startswith(API_PREFIXES) or path.rstrip("/") == "/v1")


def is_default_phrase(status: int, detail: Any) -> bool:
    """Starlette's own English details ("Not Found", "Method Not Allowed")."""
    try:
        return not isinstance(detail, str) or detail == HTTPStatus(status).phrase
    except ValueError:
        return True


def html_error(request: Request, status: int, detail: str | None = None, messages: list[str] | None = None,
               headers: dict | None = None) -> HTMLResponse:  # fmt: skip
    """The German error page; ``detail`` (already German) replaces the standard text."""
    title, text = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    staff = request.url.path.startswith("/staff")
    context = {"title": title, "text": detail or text, "messages": messages or [], "status": status,
               "home": "/staff" if staff else "/", "home_label": "Zur Übersicht" if staff else "Zur Startseite"}  # fmt: skip
    try:
        from notify.web.pages import render_page

        response = render_page(request, "error.html.j2", status, **context)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        log.exception("error page for %s could not be rendered", status)
        body = f"<!DOCTYPE html><html lang='de'><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        response = HTMLResponse(body + f"<p>{html.escape(context['text'])}</p>", status_code=status)
    response.headers["Content-Language"] = "de"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
