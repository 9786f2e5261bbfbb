"""One published message as a feed entry — Atom ``<entry>``, JSON Feed item, iCalendar
``VEVENT`` — rendered once and kept, and feeds assembled from the kept entries.

The libraries stay the authors of every byte: feedgen writes the Atom entry and the feed's head,
``json`` the items, icalendar the events. What changes is how often: an entry depends on its
message alone (never on the filter of the feed it appears in), and an archived message is
written once (``store.publish`` inserts; nothing updates a published row: a correction or an
all-clear is a message of its own that points to the first). So the serialised entry is kept
per (database, message id, short code) — the code is random per message, so a database made
anew never meets an old entry — and a feed that has to be built again after a publication
costs an id query, the head and a join, not 50 renders (bench/publishing.py: ``cold_feed``).
Should published rows ever be changed in place, ``forget`` must be called after the change.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from icalendar import Calendar, Event
from lxml import etree

from notify.formatting import with_mark
from notify.publishing import archive, present
from subscribers.db import session_scope
from subscribers.published import PublishedMessage

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
KEEP = 30_000  # entries per kind (an Atom entry ~0.6 kB: ~20 MB for the three kinds when full)


class EntryCache:
    """Serialised entries by (database, kind, message id, code), least recently used out."""

    def __init__(self, size: int = KEEP) -> None:
        self.size = size
        self._entries: dict[str, OrderedDict[tuple[str, int, str], bytes]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, key: tuple[str, int, str]) -> bytes | None:
        with self._lock:
            entries = self._entries.get(kind)
            if entries is None or key not in entries:
                return None
            entries.move_to_end(key)
            return entries[key]

    def put(self, kind: str, key: tuple[str, int, str], body: bytes) -> None:
        with self._lock:
            entries = self._entries.setdefault(kind, OrderedDict())
            entries[key] = body
            while len(entries) > self.size:
                entries.popitem(last=False)

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


cache = EntryCache()


def forget() -> None:
    """Drop every kept entry (only needed if a published row is ever changed in place)."""
    cache.forget()


def atom_entry(rt: Any, m: PublishedMessage) -> bytes:
    base = rt.signer.base_url
    entry = FeedEntry()
    url = present.page_url(base, m)
    entry.id(url)
    entry.title(m.title if m.urgency != "urgent" else with_mark(m.title, "Warnung"))
    entry.link(href=url)
    published = archive.utc(m.published_at)
    entry.published(published)
    entry.updated(published)
    entry.content(m.text, type="text")
    for topic in present.names(rt.catalogue, m)[0]:
        entry.category(term=topic)
    return etree.tostring(entry.atom_entry(), encoding="UTF-8")


def json_item(rt: Any, m: PublishedMessage) -> bytes:
    base = rt.signer.base_url
    doc = present.open_data(base, m)
    topics, area = present.names(rt.catalogue, m)
    item = {"id": doc["url"], "url": doc["url"], "title": m.title, "content_text": m.text,
            "date_published": doc["published_at"], "tags": topics, "language": "de",
            "_stadtbote": {"area": area, "urgency": m.urgency, "kind": m.kind, "starts_at": doc["starts_at"],
                           "ends_at": doc["ends_at"], "short_url": doc["short_url"],
                           **({"corrects": f"{base}/meldungen/{m.corrects_id}"} if m.corrects_id else {})}}  # fmt: skip
    if m.link:
        item["external_url"] = m.link
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()


def calendar_event(rt: Any, m: PublishedMessage) -> bytes:
    base = rt.signer.base_url
    host = urlsplit(base).hostname or "stadtbote"
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
    return bytes(event.to_ical())


RENDER: dict[str, Callable[[Any, PublishedMessage], bytes]] = {
    "atom": atom_entry, "json": json_item, "ics": calendar_event}  # fmt: skip


def entries(rt: Any, kind: str, ids: Sequence[int], codes: dict[int, str]) -> list[bytes]:
    """The serialised entries of ``ids`` (in that order): kept ones as they are, the others read
    from the database in one query, rendered and kept."""
    out: dict[int, bytes] = {}
    missing = []
    for i in ids:
        body = cache.get(kind, (rt.db_url, i, codes[i]))
        if body is None:
            missing.append(i)
        else:
            out[i] = body
    if missing:
        with session_scope(rt.db_url) as session:
            rows = archive.load(session, missing)
        render = RENDER[kind]
        for m in rows:
            assert m.id is not None
            out[m.id] = body = render(rt, m)
            cache.put(kind, (rt.db_url, m.id, m.code), body)
    return [out[i] for i in ids if i in out]


# -- the feeds: head by the library, entries joined in ------------------------------------------
def atom_feed(rt: Any, title: str, home: str, self_url: str, updated: datetime, items: list[bytes]) -> bytes:
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(title)
    fg.author({"name": rt.catalogue.sender.get("name") or f"Stadt {rt.catalogue.city}"})
    fg.link(href=home, rel="alternate")
    fg.link(href=self_url, rel="self")
    fg.language("de")
    fg.updated(updated)
    licence = archive.pack_texts(rt.settings.city)["licence"]
    fg.rights(f"{licence['name']} ({licence['url']})")
    head = fg.atom_str(pretty=False)
    close = b"</feed>"
    assert head.endswith(close)
    return head[: -len(close)] + b"".join(items) + close


def json_feed(rt: Any, title: str, home: str, feed_url: str, items: list[bytes]) -> bytes:
    feed = {"version": JSON_FEED_VERSION, "title": title, "language": "de", "home_page_url": home,
            "feed_url": feed_url, "authors": [{"name": rt.catalogue.sender.get("name") or f"Stadt {rt.catalogue.city}"}],
            "items": []}  # fmt: skip
    head = json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode()
    close = b"[]}"
    assert head.endswith(close)
    return head[: -len(close)] + b"[" + b",".join(items) + b"]}"


def calendar(rt: Any, title: str, events: list[bytes]) -> bytes:
    cal = Calendar()
    cal.add("prodid", f"-//Stadtbote//Stadt {rt.catalogue.city}//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", title)
    head = bytes(cal.to_ical())
    close = b"END:VCALENDAR\r\n"
    assert head.endswith(close)
    return head[: -len(close)] + b"".join(events) + close
