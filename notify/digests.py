"""Daily and weekly digests: one message per resident and period with everything that matched.

A delivery for a digest subscriber waits in the ledger with status ``digest``. When the period's
cut-off has passed, its waiting rows become one *digest event* (source ``/stadtbote/digest``, id
``<period>:<subscriber>:<channel>``) with one ledger row of its own, sent by the normal channel
path (templates, plain-language gate, fallback, retries). The bundled rows get status ``bundled``
and point at the digest's delivery, all in one transaction — so a digest is built once, and every
item is in exactly one digest.

An event that updates an earlier one (same ``source`` and ``subject``, or ``corrects`` naming the
earlier id) replaces it: the digest shows only the latest version.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select, update

from notify.events import CityEvent
from notify.pipeline import Runtime
from notify.timing import digest_cutoff, digest_label
from subscribers.db import session_scope
from subscribers.ledger import delivery_id, register_event, write_deliveries
from subscribers.models import Delivery, EventRecord, Subscriber, utcnow
from topics.catalogue import CITYWIDE

DIGEST_SOURCE = "/stadtbote/digest"
DIGEST_TYPE = "de.stadtbote.digest"
MAX_ITEM_CHARS = 600


def _latest_versions(events: list[tuple[datetime, CityEvent]]) -> list[CityEvent]:
    """Drop events that a later one in the same digest updates or corrects."""
    events = sorted(events, key=lambda pair: pair[0])
    keep: dict[tuple, CityEvent] = {}
    for _, event in events:
        extra = event.model_extra or {}
        corrected = extra.get("corrects")
        if corrected:
            keep.pop((event.source, "id", str(corrected)), None)
        if event.subject:
            keep.pop((event.source, "subject", event.subject), None)
            keep[(event.source, "subject", event.subject)] = event
        else:
            keep[(event.source, "id", event.id)] = event
    return list(keep.values())


def _digest_text(items: list[CityEvent], language: str = "de", profile: str = "standard") -> str:
    from notify.versions import choose

    parts = []
    for event in items:
        version = choose(event, language, profile)  # each item in the resident's version (notify/versions.py)
        text = version.text.strip()
        if len(text) > MAX_ITEM_CHARS:
            text = text[:MAX_ITEM_CHARS].rsplit(" ", 1)[0] + " …"
        link = f"\nMehr dazu: {event.data.link}" if event.data.link else ""
        parts.append(f"**{version.title}**\n{text}{link}")
    return "\n\n".join(parts)


def digest_event(label: str, title: str, subscriber_id: int, channel: str, items: list[CityEvent],
                 language: str = "de", profile: str = "standard") -> CityEvent:  # fmt: skip
    topics = list(dict.fromkeys(t for e in items for t in e.data.topics))
    areas = [e.data.area for e in items]
    area = CITYWIDE if CITYWIDE in areas else list(dict.fromkeys(d for a in areas for d in a))
    data = {"title": title, "text": _digest_text(items), "topics": topics, "area": area}
    if (language, profile) != ("de", "standard"):  # the digest is this one resident's: their version of it
        data["versions"] = [{"language": language, "profile": profile, "title": title,
                             "text": _digest_text(items, language, profile)}]  # fmt: skip
    return CityEvent.model_validate({
        "specversion": "1.0", "id": f"{label}:{subscriber_id}:{channel}", "source": DIGEST_SOURCE,
        "type": DIGEST_TYPE, "time": datetime.now(UTC), "data": data,
    })  # fmt: skip


def build_due_digests(rt: Runtime, now: datetime | None = None, hour: int = 7) -> list[tuple[str, int, str]]:
    """Turn every due digest into one pending delivery; returns (delivery id, subscriber, channel)."""
    now = now or datetime.now(UTC)
    out: list[tuple[str, int, str]] = []
    with session_scope(rt.db_url) as session:
        rows = session.execute(
            select(Delivery.id, Delivery.subscriber_id, Delivery.channel, Delivery.created_at,
                   EventRecord.payload, EventRecord.received_at, Subscriber.frequency, Subscriber.language,
                   Subscriber.profile)
            .join(EventRecord, EventRecord.id == Delivery.event_pk)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Delivery.status == "digest")
        ).all()  # fmt: skip
        groups: dict[tuple[int, str, str], list] = defaultdict(list)
        reads: dict[int, tuple[str, str]] = {}
        for did, sid, channel, created, payload, received, frequency, language, profile in rows:
            reads[sid] = (language or "de", profile or "standard")
            frequency = frequency if frequency in ("daily", "weekly") else "daily"
            cutoff = digest_cutoff(frequency, now, hour)
            created = created if created.tzinfo else created.replace(tzinfo=UTC)
            if created < cutoff:
                groups[(sid, channel, frequency)].append((did, received, payload, cutoff))
        for (sid, channel, frequency), members in groups.items():
            cutoff = members[0][3]
            label, title = digest_label(frequency, cutoff)
            items = _latest_versions(
                [(received, CityEvent.model_validate_json(payload)) for _, received, payload, _ in members]
            )
            event = digest_event(label, title, sid, channel, items, *reads[sid])
            record = register_event(session, source=event.source, event_id=event.id, type=event.type,
                                    title=event.data.title, urgency="normal", payload=event.to_json()).record  # fmt: skip
            record.status = "matched"
            record.deliveries = 1
            write_deliveries(session, record, [(sid, channel)])
            digest_delivery = delivery_id(event.source, event.id, sid, channel)
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_([m[0] for m in members]), Delivery.status == "digest")
                .values(status="bundled", message_id=f"digest:{digest_delivery}", updated_at=utcnow())
            )
            out.append((digest_delivery, sid, channel))
    return out


def digest_items(rt: Runtime, digest_delivery: str) -> list[dict]:
    """The ledger rows a digest bundled (for staff and for tests)."""
    with session_scope(rt.db_url) as session:
        rows = session.execute(
            select(Delivery.id, EventRecord.title)
            .join(EventRecord, EventRecord.id == Delivery.event_pk)
            .where(Delivery.message_id == f"digest:{digest_delivery}")
        ).all()
    return [{"delivery_id": d, "title": t} for d, t in rows]
