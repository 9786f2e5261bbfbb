"""Ledger retention: delivery rows (and their attempt history) of old events are removed in
bounded steps, so a large ledger shrinks without one long transaction that blocks the senders.

Kept: the event register itself (source, id), so a replayed old event is still recognised as a
duplicate and sends nothing; and every delivery that is not finished (``FINAL``), however old.
The retention period is ``NOTIFY_LEDGER_RETENTION_DAYS`` (default 400 days: a year of
"who got which message" for questions, plus slack), see docs/privacy.md.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from subscribers.ledger import FINAL
from subscribers.models import Delivery, DeliveryAttempt, EventRecord, utcnow

STEP = 5000  # rows per transaction


def ledger_retention_days() -> float:
    return float(os.environ.get("NOTIFY_LEDGER_RETENTION_DAYS", "400"))


def purge_step(session: Session, now: datetime | None = None, step: int = STEP) -> int:
    """Remove up to ``step`` finished deliveries of events received before the retention cut-off
    (their attempt history first); returns how many deliveries went. Call until it returns 0."""
    cutoff = (now or utcnow()) - timedelta(days=ledger_retention_days())
    old_events = select(col(EventRecord.id)).where(col(EventRecord.received_at) < cutoff)
    ids = list(
        session.execute(
            select(col(Delivery.id))
            .where(col(Delivery.event_pk).in_(old_events), col(Delivery.status).in_(FINAL))
            .limit(step)
        ).scalars()
    )
    if not ids:
        return 0
    session.execute(delete(DeliveryAttempt).where(col(DeliveryAttempt.delivery_id).in_(ids)))
    session.execute(delete(Delivery).where(col(Delivery.id).in_(ids)))
    return len(ids)
