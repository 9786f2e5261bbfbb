"""Reading the archive: filters (topic, area, words, since), pages, one message, the change stamp.

Topic filter ``thema=verkehr`` finds messages on "verkehr" and every topic below it; area filter
``gebiet=buer`` finds what concerns Buer: messages for Buer, its Stadtbezirk and the whole city
(the same rule that decides who gets a message). The change stamp (highest message id and its
time) is read at most once a second per process: conditional feed requests answer from it
without touching the database.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Integer, and_, bindparam, exists, func, or_, select
from sqlmodel import Session

from subscribers.db import session_scope
from subscribers.published import PublishedMessage, PublishedTag, ShortCode
from topics.catalogue import CITYWIDE, Catalogue, resolve_pack_dir

PAGE_SIZE = 20
FEED_SIZE = 50
CALENDAR_SIZE = 500
API_MAX = 200
STAMP_SECONDS = 1.0
TAGS = PublishedTag.__table__  # type: ignore[attr-defined]  # plain table: no ORM adaptation per query


class BadFilter(ValueError):
    """A filter naming a topic or area the city pack does not know (German message)."""


@dataclass(frozen=True)
class Filters:
    thema: str | None = None
    gebiet: str | None = None
    q: str | None = None
    since: datetime | None = None

    @classmethod
    def checked(cls, catalogue: Catalogue, thema: str | None = None, gebiet: str | None = None,
                q: str | None = None, since: datetime | None = None) -> Filters:  # fmt: skip
        thema, gebiet, q = (thema or "").strip() or None, (gebiet or "").strip() or None, (q or "").strip() or None
        if thema and thema not in catalogue.topics:
            raise BadFilter(f"Das Thema „{thema[:60]}“ gibt es nicht.")
        if gebiet and gebiet != CITYWIDE and gebiet not in catalogue.districts:
            raise BadFilter(f"Den Stadtteil „{gebiet[:60]}“ gibt es nicht.")
        if q and len(q) > 100:
            raise BadFilter("Der Suchbegriff ist zu lang. Höchstens 100 Zeichen.")
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return cls(thema, gebiet, q, since)

    def key(self) -> str:
        return json.dumps([self.thema, self.gebiet, self.q, self.since.isoformat() if self.since else None])


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _area_values(filters: Filters) -> list[str]:
    return [CITYWIDE] if filters.gebiet == CITYWIDE else [filters.gebiet or "", CITYWIDE]


@cache
def _ids_statement(thema: bool, gebiet: bool, words: bool, since: bool, before: bool, dated: bool) -> Any:
    """The ids of the newest matches, read in index order so that the first ``limit`` matches
    end the scan; one statement per combination of filters, built once (bound parameters).

    With a topic the scan runs down that topic's tags (ix_published_tag_lookup: kind, value,
    message id), otherwise down the messages' primary key; the area is an EXISTS probe per
    row (ix_published_tag_lookup again). Each row answers (id, short code): the code keys the
    kept feed entries (``entries.py``). The old form (``id IN (all messages of the topic) AND id
    IN (all of the area)``) built both lists and sorted them: 46 ms a feed with 100,000
    messages, now well under 1 ms (EXPLAIN on SQLite and PostgreSQL: bench/README.md).
    """
    clauses: list[Any] = []
    message = PublishedMessage.__table__  # type: ignore[attr-defined]
    if thema:
        topic = TAGS.alias("topic")
        key: Any = topic.c.message_id
        if words or since or dated:  # these need the message row
            query = select(key, message.c.code).join(message, message.c.id == key)
        else:  # the tag index alone; the code by primary key for the rows that pass (PostgreSQL
            # otherwise merges with a backward scan of every message since the 50th match)
            own = message.alias("own")
            query = select(key, select(own.c.code).where(own.c.id == key).scalar_subquery())
        clauses += [topic.c.kind == "t", topic.c.value == bindparam("thema")]
    else:
        key = message.c.id
        query = select(key, message.c.code)
    if gebiet:
        tag = TAGS.alias("area")
        clauses.append(exists().where(tag.c.message_id == key, tag.c.kind == "a",
                                      tag.c.value.in_(bindparam("areas", expanding=True))))  # fmt: skip
    if words:
        clauses.append(or_(*(column.ilike(bindparam(f"pattern{i}"), escape="\\")
                             for i in range(SPELLINGS) for column in (message.c.title, message.c.text))))  # fmt: skip
    if since:
        clauses.append(message.c.published_at >= bindparam("since"))
    if dated:
        clauses.append(message.c.starts_at.is_not(None))
    if before:
        clauses.append(key < bindparam("before"))
    return query.where(and_(True, *clauses)).order_by(key.desc()).limit(bindparam("limit", type_=Integer))


SPELLINGS = 6  # search patterns per query (a fixed number: the statement is built once)


def spellings(q: str) -> list[str]:
    """What a search should also find: "ückendorf" → "Ückendorf" (SQLite's LIKE ignores case only
    for A–Z), "Strasse" → "Straße" (no ß key), and back."""
    found: list[str] = []
    for cased in (q, q[:1].upper() + q[1:], q.lower(), " ".join(w[:1].upper() + w[1:] for w in q.split(" "))):
        for variant in (cased, cased.replace("ss", "ß"), cased.replace("ß", "ss")):
            if variant not in found:
                found.append(variant)
    found = found[:SPELLINGS]
    return found + [found[-1]] * (SPELLINGS - len(found))


def newest(session: Session, filters: Filters, limit: int, before: int | None = None,
           dated: bool = False) -> list[tuple[int, str]]:  # fmt: skip
    """(id, code) of the newest ``limit`` messages matching ``filters`` (below the id ``before``;
    ``dated``: with a start time), newest first."""
    statement = _ids_statement(bool(filters.thema), bool(filters.gebiet), bool(filters.q), filters.since is not None,
                               before is not None, dated)  # fmt: skip
    params: dict[str, Any] = {"limit": limit}
    if filters.thema:
        params["thema"] = filters.thema
    if filters.gebiet:
        params["areas"] = _area_values(filters)
    if filters.q:
        escaped = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.update({f"pattern{i}": f"%{v}%" for i, v in enumerate(spellings(escaped))})
    if filters.since is not None:
        params["since"] = filters.since
    if before is not None:
        params["before"] = before
    return [(row[0], row[1]) for row in session.connection().execute(statement, params)]


def load(session: Session, ids: list[int]) -> list[PublishedMessage]:
    """The messages with ``ids``, in that order."""
    if not ids:
        return []
    found = {m.id: m for m in session.execute(select(PublishedMessage).where(
        PublishedMessage.id.in_(ids))).scalars()}  # type: ignore[union-attr]  # fmt: skip
    return [found[i] for i in ids if i in found]


def messages(session: Session, filters: Filters, limit: int = PAGE_SIZE, before: int | None = None) -> list[PublishedMessage]:
    """Newest first; ``before`` is the cursor (a message id) of the next page."""
    return load(session, [i for i, _ in newest(session, filters, limit, before)])


def by_id(session: Session, message_id: int) -> PublishedMessage | None:
    return session.get(PublishedMessage, message_id)


def corrections_of(session: Session, message_id: int) -> list[PublishedMessage]:
    query = select(PublishedMessage).where(PublishedMessage.corrects_id == message_id).order_by(PublishedMessage.id)  # type: ignore[arg-type]
    return list(session.execute(query).scalars())


def code_of_version(session: Session, message_id: int, version: str) -> str | None:
    query = select(ShortCode.code).where(ShortCode.message_id == message_id, ShortCode.version == version)
    return session.execute(query).scalars().first()


# -- change stamp ------------------------------------------------------------------------------
_stamp_lock = threading.Lock()
_stamps: dict[str, tuple[float, tuple[int, datetime]]] = {}


def stamp(db_url: str) -> tuple[int, datetime]:
    """(highest message id, its publication time): changes whenever anything is published."""
    now = time.monotonic()
    cached = _stamps.get(db_url)
    if cached is not None and now - cached[0] < STAMP_SECONDS:
        return cached[1]
    with _stamp_lock:
        with session_scope(db_url) as session:
            row = session.execute(select(func.max(PublishedMessage.id))).first()
            top = int(row[0]) if row and row[0] is not None else 0
            when = session.execute(select(PublishedMessage.published_at).where(PublishedMessage.id == top)).scalar()
        value = (top, utc(when) or datetime(2000, 1, 1, tzinfo=UTC))
        _stamps[db_url] = (now, value)
        return value


def forget_stamp() -> None:
    _stamps.clear()


# -- the city pack's publishing texts ---------------------------------------------------------
@cache
def pack_texts(city: str) -> dict[str, Any]:
    path = Path(resolve_pack_dir(city)) / "publishing.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    doc.setdefault("licence", {"name": "Datenlizenz Deutschland – Zero – Version 2.0", "id": "dl-de/zero-2-0",
                               "url": "https://www.govdata.de/dl-de/zero-2-0", "note": ""})  # fmt: skip
    doc.setdefault("impressum", {})
    doc.setdefault("accessibility", {})
    return doc
