"""Messages that came from other city systems (CAP warnings, NINA, OParl, CloudEvents), with the
plain-language report of their text: staff see which ones were hard to read and can write
Einfache or Leichte versions afterwards."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from subscribers.models import EventRecord

OWN_SOURCES = ("/stadtbote/announcements", "/stadtbote/digest")
STATUS_NAMES = {"matched": "zugestellt", "accepted": "wird zugestellt", "received": "angekommen",
                "expired": "abgelaufen", "held": "angehalten"}  # fmt: skip


def city_system_events(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    rows = session.execute(
        select(EventRecord)
        .where(col(EventRecord.source).not_in(OWN_SOURCES))
        .order_by(col(EventRecord.received_at).desc())
        .limit(limit)
    ).scalars()
    out = []
    for record in rows:
        report = json.loads(record.readability) if record.readability else None
        out.append({
            "id": record.id, "title": record.title, "source": record.source, "urgent": record.urgency == "urgent",
            "status": STATUS_NAMES.get(record.status, record.status), "held": record.status == "held",
            "received_at": record.received_at,
            "deliveries": record.deliveries, "report": report,
        })  # fmt: skip
    return out
