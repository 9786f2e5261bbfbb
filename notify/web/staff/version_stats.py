"""The delivery view's "Je Fassung" table: which version how many residents got, and who still waits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from notify.version_waits import waiting_summary
from notify.versions import wanted_name
from subscribers.delivery_status import group_of
from subscribers.models import Delivery


def by_version(session: Session, event_pk: int) -> list[dict[str, Any]]:
    """Per version read (``language/profile`` in the ledger): delivered, waiting, held, other."""
    rows = session.execute(
        select(Delivery.version, Delivery.channel, Delivery.status, func.count()).where(Delivery.event_pk == event_pk)
        .group_by(Delivery.version, Delivery.channel, Delivery.status)
    ).all()  # fmt: skip
    table: dict[str, dict[str, Any]] = {}
    for version, channel, status, n in rows:
        key = version or "–"
        entry = table.setdefault(key, {"version": key, "name": wanted_name(key) if version else "noch offen",
                                       "sent": 0, "waiting": 0, "held": 0, "other": 0})  # fmt: skip
        group = "waiting" if status == "waiting" else group_of(channel, status)  # one table: delivery_status.py
        entry[{"delivered": "sent", "waiting": "waiting", "held": "held"}.get(group, "other")] += n
    return sorted(table.values(), key=lambda e: e["version"])


def waiting_lines(session: Session, event_pk: int, ann_id: int | None) -> list[dict[str, str]]:
    """„wartet auf Leichte Sprache: 12 Personen“ with the link to the tab where one writes it."""
    out = []
    for w in waiting_summary(session, [event_pk]):
        link = f"/staff/mitteilungen/{ann_id}?fassung={w.version.replace('/', '-')}#fassung" if ann_id else ""
        out.append({"label": w.label, "link": link})
    return out


def all_waiting(session: Session) -> list[dict[str, str]]:
    """For the overview: every event with residents waiting for a version; announcements link to their tab."""
    from notify.announcements import SOURCE

    out = []
    for w in waiting_summary(session):
        ann_id = int(w.event_id.removeprefix("ANN-")) if w.source == SOURCE and w.event_id.startswith("ANN-") else None
        tab = w.version.replace("/", "-")
        link = f"/staff/mitteilungen/{ann_id}?fassung={tab}#fassung" if ann_id else ""
        out.append({"title": w.title, "label": w.label, "link": link})
    return out
