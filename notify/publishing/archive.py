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
from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from subscribers.db import session_scope
from subscribers.published import PublishedMessage, PublishedTag, ShortCode
from topics.catalogue import CITYWIDE, Catalogue, resolve_pack_dir

PAGE_SIZE = 20
FEED_SIZE = 50
API_MAX = 200
STAMP_SECONDS = 1.0


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


def _where(filters: Filters) -> list[Any]:
    clauses: list[Any] = []
    if filters.thema:
        clauses.append(PublishedMessage.id.in_(  # type: ignore[union-attr]
            select(PublishedTag.message_id).where(PublishedTag.kind == "t", PublishedTag.value == filters.thema)))
    if filters.gebiet:
        values = [CITYWIDE] if filters.gebiet == CITYWIDE else [filters.gebiet, CITYWIDE]
        clauses.append(PublishedMessage.id.in_(  # type: ignore[union-attr]
            select(PublishedTag.message_id).where(PublishedTag.kind == "a", PublishedTag.value.in_(values))))  # type: ignore[attr-defined]
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(or_(PublishedMessage.title.ilike(pattern, escape="\\"),  # type: ignore[attr-defined]
                           PublishedMessage.text.ilike(pattern, escape="\\")))  # type: ignore[attr-defined]
    if filters.since:
        clauses.append(PublishedMessage.published_at >= filters.since)
    return clauses


def messages(session: Session, filters: Filters, limit: int = PAGE_SIZE, before: int | None = None) -> list[PublishedMessage]:
    """Newest first; ``before`` is the cursor (a message id) of the next page."""
    clauses = _where(filters)
    if before is not None:
        clauses.append(PublishedMessage.id < before)  # type: ignore[operator]
    query = select(PublishedMessage).where(and_(True, *clauses)).order_by(PublishedMessage.id.desc()).limit(limit)  # type: ignore[union-attr]
    return list(session.execute(query).scalars())


def dated(session: Session, filters: Filters, limit: int = 500) -> list[PublishedMessage]:
    """Messages with a start time, for the calendar."""
    query = (select(PublishedMessage).where(PublishedMessage.starts_at.is_not(None), *_where(filters))  # type: ignore[union-attr]
             .order_by(PublishedMessage.id.desc()).limit(limit))  # type: ignore[union-attr]  # fmt: skip
    return list(session.execute(query).scalars())


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
