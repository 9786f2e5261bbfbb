"""Feeds of the archive: Atom (RFC 4287, feedgen), JSON Feed 1.1 and iCalendar (RFC 5545, icalendar).

Each feed takes the archive's filters (``thema=``, ``gebiet=``, ``q=``) and answers conditional
requests: the ETag is derived from the filter and the archive's change stamp, so a reader that
already has the newest feed gets 304 without a database query (the stamp is cached a second).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from icalendar import Calendar, Event

from notify.formatting import with_mark
from notify.publishing import archive, present
from notify.publishing.pages import notice
from subscribers.db import session_scope

router = APIRouter(include_in_schema=False)
MEDIA = {"atom": "application/atom+xml; charset=utf-8", "json": "application/feed+json; charset=utf-8",
         "ics": "text/calendar; charset=utf-8"}  # fmt: skip
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


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


def atom(rt: Any, filters: archive.Filters, rows: list, updated: datetime) -> bytes:
    base = rt.signer.base_url
    fg = FeedGenerator()
    fg.id(f"{base}/meldungen/feed.atom{_query(filters)}")
    fg.title(_title(rt, filters))
    fg.author({"name": rt.catalogue.sender.get("name") or f"Stadt {rt.catalogue.city}"})
    fg.link(href=f"{base}/meldungen{_query(filters)}", rel="alternate")
    fg.link(href=f"{base}/meldungen/feed.atom{_query(filters)}", rel="self")
    fg.language("de")
    fg.updated(updated)
    licence = archive.pack_texts(rt.settings.city)["licence"]
    fg.rights(f"{licence['name']} ({licence['url']})")
    for m in rows:
        entry = fg.add_entry(order="append")
        url = present.page_url(base, m)
        entry.id(url)
        title = m.title if m.urgency != "urgent" else with_mark(m.title, "Warnung")
        entry.title(title)
        entry.link(href=url)
        published = archive.utc(m.published_at)
        entry.published(published)
        entry.updated(published)
        entry.content(m.text, type="text")
        for topic in present.names(rt.catalogue, m)[0]:
            entry.category(term=topic)
    return fg.atom_str(pretty=False)


def json_feed(rt: Any, filters: archive.Filters, rows: list) -> bytes:
    base = rt.signer.base_url
    items = []
    for m in rows:
        doc = present.open_data(base, m)
        topics, area = present.names(rt.catalogue, m)
        item = {"id": doc["url"], "url": doc["url"], "title": m.title, "content_text": m.text,
                "date_published": doc["published_at"], "tags": topics, "language": "de",
                "_stadtbote": {"area": area, "urgency": m.urgency, "kind": m.kind, "starts_at": doc["starts_at"],
                               "ends_at": doc["ends_at"], "short_url": doc["short_url"],
                               **({"corrects": f"{base}/meldungen/{m.corrects_id}"} if m.corrects_id else {})}}  # fmt: skip
        if m.link:
            item["external_url"] = m.link
        items.append(item)
    feed = {"version": JSON_FEED_VERSION, "title": _title(rt, filters), "language": "de",
            "home_page_url": f"{base}/meldungen{_query(filters)}",
            "feed_url": f"{base}/meldungen/feed.json{_query(filters)}",
            "authors": [{"name": rt.catalogue.sender.get("name") or f"Stadt {rt.catalogue.city}"}],
            "items": items}  # fmt: skip
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode()


def calendar(rt: Any, filters: archive.Filters, rows: list) -> bytes:
    base = rt.signer.base_url
    host = urlsplit(base).hostname or "stadtbote"
    cal = Calendar()
    cal.add("prodid", f"-//Stadtbote//Stadt {rt.catalogue.city}//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _title(rt, filters))
    for m in rows:
        event = Event()
        event.add("uid", f"meldung-{m.id}@{host}")
        event.add("dtstamp", archive.utc(m.published_at))
        event.add("dtstart", archive.utc(m.starts_at))
        if m.ends_at:
            event.add("dtend", archive.utc(m.ends_at))
        event.add("summary", m.title)
        event.add("description", f"{m.text}\n\n{present.page_url(base, m)}")
        event.add("url", present.page_url(base, m))
        topics, area = present.names(rt.catalogue, m)
        event.add("location", area)
        if topics:
            event.add("categories", topics)
        cal.add_component(event)
    return cal.to_ical()


_bodies: OrderedDict[str, bytes] = OrderedDict()  # rendered feeds by ETag: the ETag names the content
BODY_CACHE = 512


def _render(rt: Any, kind: str, filters: archive.Filters, modified: datetime, etag: str) -> bytes:
    key = f"{rt.db_url}\x1f{etag}"  # the ETag names the content within one archive
    cached = _bodies.get(key)
    if cached is not None:
        return cached
    with session_scope(rt.db_url) as session:
        if kind == "ics":
            rows = archive.dated(session, filters)
        else:
            rows = archive.messages(session, filters, archive.FEED_SIZE)
    if kind == "atom":
        body = atom(rt, filters, rows, modified)
    elif kind == "json":
        body = json_feed(rt, filters, rows)
    else:
        body = calendar(rt, filters, rows)
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
