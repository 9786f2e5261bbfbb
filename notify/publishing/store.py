"""Publishing a city event in the archive, once, when ingest accepts it; its short codes.

Which events are public: city events unless ``data.public`` is false; announcements by the
staff's choice (the editor's checkbox sets ``data.public``); digests are personal collections
and never published; confirmations and codes never pass through ingest at all.

Short codes (``/m/<code>``) are 7 characters from an alphabet without look-alikes (no 0/O,
1/l/I), random and therefore unguessable; each version of a message has a code of its own, so
the link a resident got opens the message in the version they read.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session

from notify.events import CityEvent
from notify.publishing.archive import forget_stamp
from subscribers.db import session_scope
from subscribers.models import EventRecord
from subscribers.published import PublishedMessage, PublishedTag, ShortCode
from topics.catalogue import CITYWIDE, Catalogue

CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud or typed from paper
CODE_LENGTH = 7
NEVER_PUBLIC_SOURCES = ("/stadtbote/digest",)
ALL_CLEAR_TYPES = ("entwarnung", "allclear", "all-clear")
PROFILES = ("standard", "einfach", "leicht")


def normalise_code(code: str) -> str:
    return code.strip().lower()


def is_public(event: CityEvent) -> bool:
    return bool(event.data.public) and event.source not in NEVER_PUBLIC_SOURCES


def version_key(language: str, profile: str) -> str:
    """``""`` for the base text (German, standard), else e.g. ``de-einfach`` or ``en-standard``."""
    return "" if (language, profile) == ("de", "standard") else f"{language}-{profile}"


def event_versions(event: CityEvent) -> list[dict[str, Any]]:
    """``data.versions`` read defensively: a list of dicts with at least a title and a text."""
    raw = getattr(event.data, "versions", None)
    if raw is None:
        raw = (event.data.model_extra or {}).get("versions") if event.data.model_extra else None
    out = []
    for item in raw or []:
        if hasattr(item, "model_dump"):
            item = item.model_dump(mode="json")
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        language = str(item.get("language") or "de")
        profile = str(item.get("profile") or "standard")
        if profile not in PROFILES or version_key(language, profile) == "":
            continue
        version = {"language": language, "profile": profile, "title": str(item.get("title") or event.data.title),
                   "text": item["text"], "reviewed": bool(item.get("reviewed"))}  # fmt: skip
        for extra in ("origin", "machine"):  # who wrote it, when the producer says so
            if isinstance(item.get(extra), (str, bool)):
                version[extra] = item[extra]
        out.append(version)
    return out


def kind_of(event: CityEvent) -> str:
    if event.template_name.lower() in ALL_CLEAR_TYPES or event.data.title.lower().startswith("entwarnung"):
        return "all-clear"
    return "correction" if (event.model_extra or {}).get("corrects") else "message"


def tags_for(catalogue: Catalogue, topics: list[str], area: str | list[str]) -> set[tuple[str, str]]:
    tags = {("t", t) for topic in topics for t in catalogue.ancestors_or_self(topic)}
    if area == CITYWIDE:
        tags.add(("a", CITYWIDE))
    else:
        for district in area:
            tags.update(("a", d) for d in catalogue.ancestors_or_self(district))
            tags.update(("a", d) for d in catalogue.descendants_or_self(district))
    return tags


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.get(ShortCode, code) is None:
            return code


def publish(session: Session, record: EventRecord, event: CityEvent, catalogue: Catalogue) -> PublishedMessage | None:
    """Store ``event`` in the archive (once per event row); None when it is not public."""
    if not is_public(event):
        return None
    existing = session.execute(select(PublishedMessage).where(PublishedMessage.event_pk == record.id)).scalars().first()
    if existing is not None:
        return existing
    data = event.data
    corrects = (event.model_extra or {}).get("corrects")
    corrected = None
    if corrects:
        corrected = session.execute(select(PublishedMessage.id).where(
            PublishedMessage.source == event.source, PublishedMessage.event_id == str(corrects))).scalars().first()  # fmt: skip
    versions = event_versions(event)
    message = PublishedMessage(
        event_pk=record.id, source=event.source, event_id=event.id, code=_new_code(session), type=event.type,
        kind=kind_of(event), title=data.title, text=data.text, topics=json.dumps(data.topics),
        area=json.dumps(data.area), urgency=data.urgency, link=str(data.link) if data.link else None,
        valid_until=data.valid_until, starts_at=data.starts_at, ends_at=data.ends_at,
        versions=json.dumps(versions, ensure_ascii=False), corrects_id=corrected,
        corrects_event=str(corrects) if corrects else None, readability_index=record.amstad,
    )  # fmt: skip
    session.add(message)
    session.flush()
    session.add(ShortCode(code=message.code, message_id=message.id, version=""))
    for version in versions:
        key = version_key(version["language"], version["profile"])
        session.add(ShortCode(code=_new_code(session), message_id=message.id, version=key))
    for kind, value in sorted(tags_for(catalogue, data.topics, data.area)):
        session.add(PublishedTag(message_id=message.id, kind=kind, value=value))
    session.flush()
    forget_stamp()  # this process's pages and feeds see it at once (others within the stamp's second)
    return message


_CODES: dict[tuple[str, str, str], tuple[int, str, dict[str, str]]] = {}


def _codes(db_url: str, source: str, event_id: str) -> tuple[int, str, dict[str, str]] | None:
    """Cached for hits only: an event rendered before it is published (a preview) asks again."""
    key = (db_url, source, event_id)
    if key in _CODES:
        return _CODES[key]
    try:
        with session_scope(db_url) as session:
            message = session.execute(select(PublishedMessage).where(
                PublishedMessage.source == source, PublishedMessage.event_id == event_id)).scalars().first()  # fmt: skip
            if message is None:
                return None
            rows = session.execute(select(ShortCode.version, ShortCode.code).where(ShortCode.message_id == message.id))
            found = (message.id, message.code, {v: c for v, c in rows})
    except (OperationalError, ProgrammingError):  # no archive tables (a preview on a bare database)
        return None
    if len(_CODES) > 4096:
        _CODES.clear()
    _CODES[key] = found
    return found


def codes_for(db_url: str, event: CityEvent) -> tuple[int, str, dict[str, str]] | None:
    """(message id, standard code, {version key: code}) of a published event, or None."""
    return _codes(db_url, event.source, event.id)


def resolve_code(session: Session, code: str) -> ShortCode | None:
    code = normalise_code(code)
    if not (1 <= len(code) <= 8) or not set(code) <= set(CODE_ALPHABET):
        return None
    return session.get(ShortCode, code)


def version_code(session: Session, message_id: int, version: str) -> str | None:
    """The short code of one version of a message ("" is the standard text)."""
    return session.execute(
        select(ShortCode.code).where(ShortCode.message_id == message_id, ShortCode.version == version)
    ).scalar()
