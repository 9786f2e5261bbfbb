"""Public pages: the archive ``/meldungen``, one message, short links, Impressum, Barrierefreiheit.

Plain server-rendered HTML: no script is needed to switch versions or filter (links and a GET
form). Every page carries no personal data; a personal short link only chooses the version.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from notify.publishing import archive, present
from notify.publishing.counters import unknown_codes, views
from notify.publishing.store import resolve_code, version_code
from notify.web.pages import page_response, render_page
from subscribers.db import session_scope

router = APIRouter(include_in_schema=False)
FAVICON = Path(__file__).resolve().parent.parent / "web" / "static" / "favicon.svg"
CACHE_PUBLIC = "public, max-age=60"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


def notice(request: Request, status: int, title: str, text: str) -> HTMLResponse:
    """A German error page in the archive's look (the API answers with problem+json instead)."""
    return render_page(request, "archive/notice.html.j2", status_code=status, title=title, text=text,
                       sender=request.app.state.rt.catalogue.sender, utc=archive.utc)  # fmt: skip


def _page(request: Request, template: str, **ctx: Any) -> HTMLResponse:
    rt = request.app.state.rt
    response = render_page(request, template, sender=rt.catalogue.sender, utc=archive.utc, **ctx)
    response.headers["Cache-Control"] = CACHE_PUBLIC
    return response


# Rendered archive pages by (database, archive stamp, page): the pages carry nothing personal
# (no CSRF token, no name: a personal short link only chooses the version), and the stamp
# changes with every publication (a correction too, which the corrected message's page lists),
# so a cached page is never older than the stamp's second. The front page /meldungen is asked
# for most and changes least; a message page is asked for by thousands at once when its SMS or
# warning goes out. Each is rendered once per publication instead of once per visitor.
_rendered: OrderedDict[tuple, tuple[bytes, Any]] = OrderedDict()
RENDERED_MAX = 1024
_rendered_lock = threading.Lock()


def _cached_page(request: Request, key: tuple, build: Callable[[], tuple[HTMLResponse, Any]]) -> tuple[HTMLResponse, Any]:
    """The page for ``key`` (rendered by ``build`` once per archive stamp) and what ``build``
    said about it (``extra``); pages other than 200 are never kept."""
    rt = request.app.state.rt
    full = (rt.db_url, archive.stamp(rt.db_url)[0], *key)
    with _rendered_lock:
        kept = _rendered.get(full)
        if kept is not None:
            _rendered.move_to_end(full)
    if kept is None:
        response, extra = build()
        if response.status_code == 200:
            with _rendered_lock:
                _rendered[full] = (bytes(response.body), extra)
                while len(_rendered) > RENDERED_MAX:
                    _rendered.popitem(last=False)
        return response, extra
    response = page_response(request, kept[0])
    response.headers["Cache-Control"] = CACHE_PUBLIC
    return response, kept[1]


def filter_choices(rt: Any) -> dict[str, Any]:
    cat = rt.catalogue
    topics = [(n, [cat.topics[c] for c in cat._children.get(n.id, [])]) for n in cat.topics.values() if n.parent is None]
    areas = [(n, [cat.districts[c] for c in cat._children.get(n.id, [])])
             for n in cat.districts.values() if n.parent is None]  # fmt: skip
    return {"topic_groups": topics, "area_groups": areas}


def teaser(text: str, limit: int = 220) -> str:
    text = " ".join(text.replace("**", "").split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


@router.get("/meldungen", response_class=HTMLResponse)
def archive_page(request: Request, thema: str | None = None, gebiet: str | None = None, q: str | None = None,
                 vor: int | None = None) -> HTMLResponse:  # fmt: skip
    rt = request.app.state.rt
    try:
        filters = archive.Filters.checked(rt.catalogue, thema, gebiet, q)
    except archive.BadFilter as exc:
        return notice(request, 400, "Diese Auswahl gibt es nicht", str(exc))

    def build() -> HTMLResponse:
        with session_scope(rt.db_url) as session:
            rows = archive.messages(session, filters, archive.PAGE_SIZE + 1, before=vor)
        more = len(rows) > archive.PAGE_SIZE
        rows = rows[: archive.PAGE_SIZE]
        items = [{"m": m, "names": present.names(rt.catalogue, m), "teaser": teaser(m.text)} for m in rows]
        query = {k: v for k, v in (("thema", filters.thema), ("gebiet", filters.gebiet), ("q", filters.q)) if v}
        return _page(request, "archive/list.html.j2", items=items, filters=filters, query=query,
                     next_before=rows[-1].id if more and rows else None, **filter_choices(rt)), None  # fmt: skip

    return _cached_page(request, ("list", filters.key(), vor), build)[0]


@router.get("/meldungen/{message_id:int}", response_class=HTMLResponse)
def message_page(request: Request, message_id: int, fassung: str = "") -> HTMLResponse:
    rt = request.app.state.rt
    fassung = fassung if len(fassung) <= 40 else ""  # no version key is longer

    def build() -> tuple[HTMLResponse, str | None]:
        with session_scope(rt.db_url) as session:
            message = archive.by_id(session, message_id)
            if message is None:
                return notice(request, 404, "Diese Meldung gibt es nicht",
                              "Vielleicht stimmt die Adresse nicht. Unten finden Sie alle Nachrichten der Stadt."), None  # fmt: skip
            corrected = archive.by_id(session, message.corrects_id) if message.corrects_id else None
            corrections = archive.corrections_of(session, message.id)
            versions = present.versions_of(message)
            current = next((v for v in versions if v["key"] == fassung), versions[0])
            # The short link of the version on the page: shared from the English page, it opens English.
            code = version_code(session, message.id, current["key"]) or message.code
        topics, area = present.names(rt.catalogue, message)
        page = _page(request, "archive/message.html.j2", language=current["language"], m=message, versions=versions,
                     current=current, topics=topics,
                     area=area, corrected=corrected, corrections=corrections, kind_names=present.KIND_NAMES,
                     short_url=f"{rt.signer.base_url}/m/{code}", text_html=present.html(current["text"]))  # fmt: skip
        return page, current["key"]

    response, version = _cached_page(request, ("message", message_id, fassung), build)
    if version is not None:
        views.add(rt.db_url, message_id, version)  # every view counts, kept page or not
    return response


@router.get("/m/{code}")
def short_link(request: Request, code: str) -> Response:
    rt = request.app.state.rt
    with session_scope(rt.db_url) as session:
        found = resolve_code(session, code)
    if found is None:
        if not unknown_codes.hit(client_ip(request)):
            return notice(request, 429, "Zu viele falsche Codes", "Bitte warten Sie einige Minuten.")
        return notice(request, 404, "Diesen Kurzlink gibt es nicht",
                      "Bitte prüfen Sie die Buchstaben und Zahlen. Unten finden Sie alle Nachrichten der Stadt.")  # fmt: skip
    target = f"/meldungen/{found.message_id}" + (f"?fassung={found.version}" if found.version else "")
    return RedirectResponse(target, status_code=302)


@router.get("/impressum", response_class=HTMLResponse)
def impressum(request: Request) -> HTMLResponse:
    texts = archive.pack_texts(request.app.state.rt.settings.city)
    return _page(request, "archive/impressum.html.j2", imp=texts["impressum"], licence=texts["licence"])


@router.get("/barrierefreiheit", response_class=HTMLResponse)
def accessibility(request: Request) -> HTMLResponse:
    texts = archive.pack_texts(request.app.state.rt.settings.city)
    return _page(request, "archive/barrierefreiheit.html.j2", acc=texts["accessibility"])


@router.get("/favicon.ico")
@router.get("/favicon.svg")
async def favicon() -> Response:
    return FileResponse(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


async def flush_views(rt: Any) -> None:
    await asyncio.to_thread(views.flush, rt.db_url)
