"""Feeds of the archive: Atom (RFC 4287, feedgen), JSON Feed 1.1 and iCalendar (RFC 5545, icalendar).

Each entry is rendered once per message and kept (``entries.py``); a feed is its head and the
kept entries of its newest matches.

Each feed takes the archive's filters (``thema=``, ``gebiet=``, ``q=``) and answers conditional
requests: the ETag is derived from the filter and the archive's change stamp, so a reader that
already has the newest feed gets 304 without a database query (the stamp is cached a second).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from notify.publishing import archive, entries
from notify.publishing.pages import notice
from subscribers.db import session_scope

router = APIRouter(include_in_schema=False)
MEDIA = {"atom": "application/atom+xml; charset=utf-8", "json": "application/feed+json; charset=utf-8",
         "ics": "text/calendar; charset=utf-8"}  # fmt: skip
JSON_FEED_VERSION = entries.JSON_FEED_VERSION


def _validators(kind: str, filters: archive.Filters, top: int) -> str:
    digest = hashlib.sha1(f"{kind}\x1f{filters.key()}\x1f{top}".encode()).hexdigest()[:20]
    return f'W/"{kind}-{digest}"'


def not_modified(request: Request, etag: str, modified: datetime) -> bool:
    tags = request.headers.get("if-none-match")
    if tags is not None:
        return etag in {t.strip() for t in tags.split(",")} or tags.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return when.tzinfo is not None and modified.replace(microsecond=0) <= when
    return False


def _query(filters: archive.Filters) -> str:
    pairs = [(k, v) for k, v in (("thema", filters.thema), ("gebiet", filters.gebiet), ("q", filters.q)) if v]
    return ("?" + urlencode(pairs)) if pairs else ""


def _title(rt: Any, filters: archive.Filters) -> str:
    parts = [f"Meldungen der Stadt {rt.catalogue.city}"]
    if filters.thema:
        parts.append(rt.catalogue.topics[filters.thema].name)
    if filters.gebiet:
        parts.append(f"ganz {rt.catalogue.city}" if filters.gebiet == "citywide"
                     else rt.catalogue.districts[filters.gebiet].name)  # fmt: skip
    return " – ".join(parts)


_bodies: OrderedDict[str, bytes] = OrderedDict()  # assembled feeds by ETag: the ETag names the content
BODY_CACHE = 512
_bodies_lock = threading.Lock()


def build(rt: Any, kind: str, filters: archive.Filters, modified: datetime) -> bytes:
    """The whole feed: the newest matches' kept entries (``entries.py``) under the library's head."""
    base, query = rt.signer.base_url, _query(filters)
    with session_scope(rt.db_url) as session:
        if kind == "ics":
            found = archive.newest(session, filters, archive.CALENDAR_SIZE, dated=True)
        else:
            found = archive.newest(session, filters, archive.FEED_SIZE)
    items = entries.entries(rt, kind, [i for i, _ in found], dict(found))
    title = _title(rt, filters)
    if kind == "atom":
        return entries.atom_feed(rt, title, f"{base}/meldungen{query}", f"{base}/meldungen/feed.atom{query}",
                                 modified, items)  # fmt: skip
    if kind == "json":
        return entries.json_feed(rt, title, f"{base}/meldungen{query}", f"{base}/meldungen/feed.json{query}", items)
    return entries.calendar(rt, title, items)


def _render(rt: Any, kind: str, filters: archive.Filters, modified: datetime, etag: str) -> bytes:
    key = f"{rt.db_url}\x1f{etag}"  # the ETag names the content within one archive
    cached = _bodies.get(key)
    if cached is not None:
        return cached
    body = build(rt, kind, filters, modified)
    with _bodies_lock:
        _bodies[key] = body
        while len(_bodies) > BODY_CACHE:
            _bodies.popitem(last=False)
    return body


async def _serve(request: Request, kind: str, thema: str | None, gebiet: str | None, q: str | None) -> Response:
    """On the event loop up to the 304 (no thread hop, no database within the stamp's second);
    a full answer is built in a thread."""
    rt = request.app.state.rt
    try:
        filters = archive.Filters.checked(rt.catalogue, thema, gebiet, q)
    except archive.BadFilter as exc:
        return notice(request, 400, "Diese Auswahl gibt es nicht", str(exc))
    top, modified = archive.stamp(rt.db_url)
    etag = _validators(kind, filters, top)
    headers = {"ETag": etag, "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
               "Cache-Control": "public, max-age=60"}  # fmt: skip
    if not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    body = await asyncio.to_thread(_render, rt, kind, filters, modified, etag)
    return Response(body, media_type=MEDIA[kind], headers=headers)


@router.get("/meldungen/feed.atom")
async def feed_atom(request: Request, thema: str | None = None, gebiet: str | None = None,
                 q: str | None = None) -> Response:  # fmt: skip
    return await _serve(request, "atom", thema, gebiet, q)


@router.get("/meldungen/feed.json")
async def feed_json(request: Request, thema: str | None = None, gebiet: str | None = None,
                 q: str | None = None) -> Response:  # fmt: skip
    return await _serve(request, "json", thema, gebiet, q)


@router.get("/meldungen/kalender.ics")
async def feed_ics(request: Request, thema: str | None = None, gebiet: str | None = None,
                 q: str | None = None) -> Response:  # fmt: skip
    return await _serve(request, "ics", thema, gebiet, q)
