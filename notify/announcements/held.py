"""Deliveries the plain-language gate held: staff look at them and release them after all."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from notify.announcements.event import SOURCE
from notify.announcements.refused import Refused
from notify.held_events import NotHeld, release_event
from notify.kafka import DELIVERIES, EVENTS_ACCEPTED, BrokerDown
from notify.pipeline import Runtime
from subscribers.announcements import Announcement, ReleasedDelivery, audit
from subscribers.db import session_scope
from subscribers.models import Delivery, EventRecord, utcnow
from subscribers.staff import Staff

log = logging.getLogger(__name__)


def event_record(session: Session, ann: Announcement) -> EventRecord | None:
    if not ann.event_id:
        return None
    query = select(EventRecord).where(EventRecord.source == SOURCE, EventRecord.event_id == ann.event_id)
    return session.execute(query).scalars().first()


def _release_rows(rt: Runtime, ann_id: int, staff: Staff, ids: list[str] | None
                  ) -> tuple[list[tuple[str, int, str]], dict[str, Any] | None]:  # fmt: skip
    """The held deliveries released now, or (held at ingest) the whole event for matching."""
    if not staff.may("release"):
        raise Refused(403, "Angehaltene Nachrichten freigeben dürfen nur Freigabe und Verwaltung.")
    with session_scope(rt.db_url) as session:
        ann = session.get(Announcement, ann_id)
        if ann is None:
            raise Refused(404, "Diese Mitteilung gibt es nicht.")
        record = event_record(session, ann)
        if record is None:
            raise Refused(409, "Zu dieser Mitteilung gibt es noch keine Zustellungen.")
        if record.status == "held":  # its text was held at ingest: nobody got it yet
            try:
                event = release_event(session, record, staff.email, rt.catalogue)
            except NotHeld as exc:
                raise Refused(409, str(exc)) from None
            audit(session, ann, staff.email, "release", ann.status, ann.status,
                  "Die ganze Mitteilung nach Prüfung freigegeben: Sie geht jetzt hinaus und steht im Archiv.")  # fmt: skip
            return [], {"event_pk": record.id, "event": event.to_json(), "key": event.key}
        query = select(Delivery.id, Delivery.subscriber_id, Delivery.channel).where(
            Delivery.event_pk == record.id, Delivery.status == "held"
        )
        if ids is not None:
            query = query.where(Delivery.id.in_(ids))
        rows = [(r[0], r[1], r[2]) for r in session.execute(query).all()]
        if not rows:
            raise Refused(409, "Es gibt keine angehaltenen Nachrichten zum Freigeben.")
        for did, _, _ in rows:
            if session.get(ReleasedDelivery, did) is None:
                session.add(ReleasedDelivery(delivery_id=did, released_by=staff.email))
        session.execute(
            update(Delivery).where(Delivery.id.in_([r[0] for r in rows]), Delivery.status == "held")
            .values(status="pending", updated_at=utcnow(), last_error=None)
        )  # fmt: skip
        audit(session, ann, staff.email, "release", ann.status, ann.status,
              f"{len(rows)} angehaltene Nachrichten nach Prüfung freigegeben.")  # fmt: skip
    return rows, None


async def release_held(rt: Runtime, publisher: Any, ann_id: int, staff: Staff, ids: list[str] | None = None) -> int:
    """Send held deliveries after all: mark them released and hand them to the channel workers;
    an announcement held as a whole at ingest goes to matching and into the public archive.

    If the broker is down now, the rows are "pending" already and the worker's sweep sends them.
    """
    rows, whole = await asyncio.to_thread(_release_rows, rt, ann_id, staff, ids)
    try:
        if whole is not None:  # to matching; if the broker is down, the worker's sweep sends it
            value = json.dumps({"event_pk": whole["event_pk"], "event": whole["event"]}).encode()
            await publisher.send(EVENTS_ACCEPTED, value, key=whole["key"].encode())
            return 1
        for did, sid, channel in rows:
            value = json.dumps({"delivery_id": did, "channel": channel}).encode()
            await publisher.send(DELIVERIES[channel], value, key=str(sid).encode())
    except BrokerDown as exc:
        log.warning("released deliveries wait for the sweep: %s", exc)
    return len(rows)
