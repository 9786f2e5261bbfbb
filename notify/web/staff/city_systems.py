"""Messages that came from other city systems (CAP warnings, NINA, OParl, CloudEvents), with the
plain-language report of their text: staff see which ones were hard to read and can write
Einfache or Leichte versions afterwards."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from subscribers.delivery_status import group_of
from subscribers.models import Delivery, EventRecord

OWN_SOURCES = ("/stadtbote/announcements", "/stadtbote/digest")
STATUS_NAMES = {"matched": "verteilt", "accepted": "wird verteilt", "received": "angekommen",
                "expired": "abgelaufen", "held": "angehalten"}  # fmt: skip


def city_system_events(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    rows = session.execute(
        select(EventRecord)
        .where(col(EventRecord.source).not_in(OWN_SOURCES))
        .order_by(col(EventRecord.received_at).desc())
        .limit(limit)
    ).scalars().all()
    outcomes = _outcomes(session, [r.id for r in rows])
    out = []
    for record in rows:
        report = json.loads(record.readability) if record.readability else None
        out.append({
            "id": record.id, "title": record.title, "source": record.source, "urgent": record.urgency == "urgent",
            "status": STATUS_NAMES.get(record.status, record.status), "held": record.status == "held",
            "received_at": record.received_at,
            "deliveries": record.deliveries, "report": report, "delivered": 0, "missed": 0,
            **outcomes.get(record.id, {}),
        })  # fmt: skip
    return out


def _outcomes(session: Session, event_pks: list[int]) -> dict[int, dict[str, int]]:
    """Per event: how many were delivered and how many were not reached (failed, given up, or not
    sent, e.g. a warning letter that would arrive too late) — "verteilt (3)" alone hid those."""
    out: dict[int, dict[str, int]] = {}
    if not event_pks:
        return out
    rows = session.execute(
        select(Delivery.event_pk, Delivery.channel, Delivery.status, func.count())
        .where(col(Delivery.event_pk).in_(event_pks))
        .group_by(col(Delivery.event_pk), col(Delivery.channel), col(Delivery.status))
    ).all()
    for pk, channel, status, n in rows:
        entry = out.setdefault(pk, {"delivered": 0, "missed": 0})
        group = group_of(channel, status)
        if group == "delivered":
            entry["delivered"] += n
        elif group in ("failed", "skipped"):
            entry["missed"] += n
    return out
