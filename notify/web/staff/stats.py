"""What the delivery dashboard shows: per announcement, delivered / failed / held / pending per
channel and over time; and the readability index of announcements over time.

An announcement reaches the ledger through its event: ``event`` (source ``/stadtbote/announcements``,
id ``ANN-<id>``) → ``delivery.event_pk``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from notify.announcements import event_record
from subscribers.announcements import Announcement, aware
from subscribers.delivery_status import group_of, status_label
from subscribers.models import CHANNELS, Delivery

# Status → series: subscribers/delivery_status.group_of (a letter "sent" still waits for print).
SERIES = ("delivered", "failed", "held", "pending")
# Never "Zugestellt": we learn that a mail server accepted a message, or that the print service got
# a letter, not that anyone received it (subscribers/delivery_status.py has the words per channel).
SERIES_NAMES = {"delivered": "Angenommen", "failed": "Fehlgeschlagen", "held": "Angehalten", "pending": "Wartet"}
CHANNEL_NAMES = {"email": "E-Mail", "sms": "SMS", "push": "Push", "letter": "Brief"}


@dataclass
class DeliveryStats:
    event_status: str | None = None
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)  # [{"at": datetime, series…}]
    held: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)  # "Je Fassung" (version_stats.py)
    waiting: list[dict[str, str]] = field(default_factory=list)  # „wartet auf Leichte Sprache: 12 Personen“
    # What is known, in words per channel: [{"channel", "status", "label", "count"}]
    known: list[dict[str, Any]] = field(default_factory=list)
    too_late: int = 0  # letters not printed: they could not arrive while the message is valid

    def as_json(self) -> dict[str, Any]:
        return {
            "event_status": self.event_status,
            "by_channel": self.by_channel,
            "totals": self.totals,
            "timeline": [{**p, "at": p["at"].isoformat()} for p in self.timeline],
            "held": [{k: v for k, v in h.items() if k != "report_obj"} for h in self.held],
            "versions": self.versions,
            "waiting": self.waiting,
            "known": self.known,
            "too_late": self.too_late,
        }


def announcements(session: Session, status: str | None = None, limit: int = 200) -> list[Announcement]:
    query = select(Announcement).order_by(Announcement.updated_at.desc(), Announcement.id.desc()).limit(limit)
    if status:
        query = query.where(Announcement.status == status)
    return list(session.execute(query).scalars())


def _bucket_size(span: timedelta) -> timedelta:
    for size in (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1)):
        if span <= size * 60:
            return size
    return timedelta(days=1)


def delivery_stats(session: Session, ann: Announcement, channel: str | None = None, points: int = 60) -> DeliveryStats:
    out = DeliveryStats(by_channel={ch: {s: 0 for s in SERIES} for ch in CHANNELS}, totals={s: 0 for s in SERIES})
    record = event_record(session, ann)
    if record is None:
        return out
    out.event_status = record.status
    from notify.web.staff.version_stats import by_version, waiting_lines

    out.versions, out.waiting = by_version(session, record.id), waiting_lines(session, record.id, ann.id)
    rows = session.execute(
        select(Delivery.channel, Delivery.status, func.count()).where(Delivery.event_pk == record.id)
        .group_by(Delivery.channel, Delivery.status)
    ).all()  # fmt: skip
    for ch, status, n in rows:
        group = group_of(ch, status)
        if group in SERIES and ch in out.by_channel:
            out.by_channel[ch][group] += n
            out.totals[group] += n
        out.known.append({"channel": ch, "status": status, "label": status_label(ch, status), "count": n})
        if status == "too_late":
            out.too_late += n
    out.known.sort(key=lambda k: (list(CHANNELS).index(k["channel"]) if k["channel"] in CHANNELS else 99, -k["count"]))
    query = select(Delivery.status, Delivery.created_at, Delivery.updated_at, Delivery.sent_at, Delivery.channel).where(
        Delivery.event_pk == record.id
    )
    if channel:
        query = query.where(Delivery.channel == channel)
    out.timeline = _timeline(session.execute(query).all(), points)
    held = session.execute(
        select(Delivery.id, Delivery.channel, Delivery.subscriber_id, Delivery.readability, Delivery.last_error,
               Delivery.updated_at, Delivery.version)
        .where(Delivery.event_pk == record.id, Delivery.status == "held").order_by(Delivery.channel).limit(500)
    ).all()  # fmt: skip
    for did, ch, sid, report, error, at, version in held:
        parsed = json.loads(report) if report else None
        out.held.append({"id": did, "channel": ch, "subscriber_id": sid, "reason": error, "at": aware(at).isoformat(),
                         "report": parsed, "report_obj": parsed, "version": version})  # fmt: skip
    return out


def _timeline(rows: list, points: int) -> list[dict[str, Any]]:
    """Counts at regular moments from the first delivery to the last change: how it went."""
    if not rows:
        return []
    events = []
    for status, created, updated, sent, ch in rows:
        group = group_of(ch, status)
        done = aware(sent or updated) if group in ("delivered", "failed", "held") else None
        events.append((aware(created), group, done))
    start = min(c for c, _, _ in events)
    end = max([c for c, _, _ in events] + [d for _, _, d in events if d is not None])
    step = _bucket_size(end - start)
    moments: list[datetime] = []
    t = start
    while t < end and len(moments) < points:
        moments.append(t)
        t += max(step, (end - start) / points)
    moments.append(end)
    series = []
    for moment in moments:
        point: dict[str, Any] = {"at": moment, **{s: 0 for s in SERIES}}
        for created, group, done in events:
            if created > moment:
                continue
            if done is not None and done <= moment:
                point[group] += 1
            else:
                point["pending"] += 1
        series.append(point)
    return series


def readability_series(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """Index (0–20, higher is easier) of every announcement, by when it was sent or last changed."""
    rows = session.execute(
        select(Announcement.id, Announcement.title, Announcement.readability_index, Announcement.status,
               Announcement.sent_at, Announcement.created_at)
        .where(Announcement.readability_index.is_not(None), Announcement.status != "cancelled")
        .order_by(func.coalesce(Announcement.sent_at, Announcement.created_at).desc()).limit(limit)
    ).all()  # fmt: skip
    out = [{"id": i, "title": t, "index": x, "status": s, "at": aware(sent or created), "sent": sent is not None}
           for i, t, x, s, sent, created in rows]  # fmt: skip
    return sorted(out, key=lambda p: p["at"])
