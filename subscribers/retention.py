"""Ledger retention: delivery rows (and their attempt history) of old events are removed in
bounded steps, so a large ledger shrinks without one long transaction that blocks the senders.

Kept: the event register itself (source, id), so a replayed old event is still recognised as a
duplicate and sends nothing; and every delivery that is not finished (``FINAL``), however old.
Once an old event has no delivery left, its payload (the CloudEvent with its text) and its
readability report are emptied too (``payload_step``): the register row keeps only what
recognises a replay.
The retention period is ``NOTIFY_LEDGER_RETENTION_DAYS`` (default 400 days: a year of
"who got which message" for questions, plus slack), see docs/privacy.md.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlmodel import Session, col

from subscribers.bulk_sql import execute_in
from subscribers.ledger import FINAL
from subscribers.models import Delivery, EventRecord, utcnow

STEP = 5000  # rows per transaction
REMOVED_PAYLOAD = ""  # an event's payload after the retention period (a CloudEvent is never empty)


def ledger_retention_days() -> float:
    return float(os.environ.get("NOTIFY_LEDGER_RETENTION_DAYS", "400"))


def _cutoff(now: datetime | None) -> datetime:
    return (now or utcnow()) - timedelta(days=ledger_retention_days())


def purge_step(session: Session, now: datetime | None = None, step: int = STEP) -> int:
    """Remove up to ``step`` finished deliveries of events received before the retention cut-off
    (their attempt history first); returns how many deliveries went. Call until it returns 0.

    The rows are looked for one old event at a time (the ledger's ``event_pk`` index), oldest
    event first: a query over all old events at once made the database scan the young part of
    a 5-million-row ledger again in every step."""
    cutoff = _cutoff(now)
    ids: list[str] = []
    for (event_pk,) in session.execute(
        select(col(EventRecord.id))
        .where(col(EventRecord.received_at) < cutoff, col(EventRecord.payload) != REMOVED_PAYLOAD)
        .order_by(col(EventRecord.id))
    ).all():
        ids += session.execute(
            select(col(Delivery.id))
            .where(col(Delivery.event_pk) == event_pk, col(Delivery.status).in_(FINAL))
            .limit(step - len(ids))
        ).scalars()
        if len(ids) >= step:
            break
    if not ids:
        return 0
    # At the driver, with one array on PostgreSQL: 5,000 bound values through SQLAlchemy and
    # psycopg's query parsing cost more than the deletes themselves.
    connection = session.connection()
    execute_in(connection, "DELETE FROM delivery_attempt WHERE delivery_id {in_}", ids)
    execute_in(connection, "DELETE FROM delivery WHERE id {in_}", ids)
    return len(ids)


def payload_step(session: Session, now: datetime | None = None, step: int = 500) -> int:
    """Empty the payload and readability report of up to ``step`` events received before the
    cut-off that have no delivery left (and were matched, or expired): nothing will read them
    again. Returns how many; call until it returns 0."""
    done = exists().where(col(Delivery.event_pk) == col(EventRecord.id))
    ids = list(
        session.execute(
            select(col(EventRecord.id))
            .where(col(EventRecord.received_at) < _cutoff(now), col(EventRecord.payload) != REMOVED_PAYLOAD,
                   col(EventRecord.status).in_(("matched", "expired")), ~done)
            .limit(step)
        ).scalars()
    )  # fmt: skip
    if ids:
        session.execute(
            update(EventRecord).where(col(EventRecord.id).in_(ids)).values(payload=REMOVED_PAYLOAD, readability=None)
        )
    return len(ids)
