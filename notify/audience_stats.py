"""What the audience dashboard shows: who subscribes (over time, by topic, Stadtteil, channel,
language and level), confirmed or not, who left and which addresses bounced, how each channel is
doing, what is held or waiting, and the events of city systems next to the team's announcements.

Counts only, never a person. "Over time" is rebuilt from the rows that exist: a subscription
counts from its creation; a resident who unsubscribed stops counting at that moment (the consent
audit trail says when).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from subscribers.announcements import aware
from subscribers.consent import AuditEntry
from subscribers.delivery_status import group_of
from subscribers.models import CHANNELS, ChannelAddress, Delivery, EventRecord, Subscriber, Subscription, utcnow

DIMENSIONS = {"topic": "Thema", "district": "Gebiet", "channel": "Kanal", "language": "Sprache", "profile": "Sprachstufe"}
STATUS_NAMES = {"active": "Bestätigt", "pending": "Nicht bestätigt", "unsubscribed": "Abgemeldet"}
HEALTH_STATUSES = ("sent", "bundled", "failed", "dead", "retry", "pending", "sending", "held", "skipped")
WAITING = {"held": "Angehalten, weil der Text zu schwer ist", "digest": "Wartet auf die Sammel-Nachricht",
           "deferred": "Wartet auf das Ende der Ruhezeit", "pending": "Wartet auf den Versand", "retry": "Wird bald noch einmal versucht"}  # fmt: skip
MAX_SERIES = 6
ANNOUNCEMENTS_SOURCE = "/stadtbote/announcements"


@dataclass
class Series:
    """Counts at a few moments, one line per key (``labels`` names them)."""

    moments: list[datetime] = field(default_factory=list)
    lines: dict[str, list[int]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def _moments(start: datetime, end: datetime, points: int = 12) -> list[datetime]:
    if end <= start:
        return [end]
    step = (end - start) / (points - 1)
    return [start + step * i for i in range(points)]


def _series(spans: list[tuple[str, datetime, datetime | None]], labels: dict[str, str], now: datetime) -> Series:
    """Lines of how many (key, start, end) spans were open at each moment; the biggest keys only."""
    if not spans:
        return Series()
    moments = _moments(min(s for _, s, _ in spans), now)
    current = Counter(k for k, _, end in spans if end is None or end > now)
    ever = Counter(k for k, _, _ in spans)
    top = sorted(ever, key=lambda k: (-current[k], -ever[k], k))[:MAX_SERIES]  # biggest now, then those who left
    lines: dict[str, list[int]] = {k: [0] * len(moments) for k in top}
    for key, start, end in spans:
        if key not in lines:
            continue
        for i, m in enumerate(moments):
            if start <= m and (end is None or end > m):
                lines[key][i] += 1
    return Series(moments, lines, {k: labels.get(k, k) for k in top})


def _left_at(session: Session) -> dict[int, datetime]:
    rows = session.execute(
        select(AuditEntry.subscriber_ref, func.max(AuditEntry.at)).where(col(AuditEntry.action) == "unsubscribed")
        .group_by(col(AuditEntry.subscriber_ref))
    ).all()  # fmt: skip
    return {sid: aware(at) for sid, at in rows}


def subscribers_over_time(session: Session, dimension: str, names: dict[str, dict[str, str]],
                          now: datetime | None = None) -> Series:  # fmt: skip
    """Confirmed subscribers (status active, or active until they left) by ``dimension``."""
    now = now or utcnow()
    left = _left_at(session)
    people = {sid: (status, aware(created)) for sid, status, created in session.execute(
        select(Subscriber.id, Subscriber.status, Subscriber.created_at).where(col(Subscriber.status) != "pending")).all()}  # fmt: skip

    def end_of(sid: int) -> datetime | None:
        status, created = people[sid]
        return (left.get(sid) or now) if status == "unsubscribed" else None

    spans: list[tuple[str, datetime, datetime | None]] = []
    if dimension in ("topic", "district"):
        column = Subscription.topic_id if dimension == "topic" else Subscription.district_id
        for sid, key, created in session.execute(select(Subscription.subscriber_id, column, Subscription.created_at)).all():
            if sid in people:
                spans.append((key, aware(created), end_of(sid)))
    elif dimension == "channel":
        rows = session.execute(select(ChannelAddress.subscriber_id, ChannelAddress.channel).where(
            col(ChannelAddress.confirmed_at).is_not(None))).all()  # fmt: skip
        spans = [(ch, people[sid][1], end_of(sid)) for sid, ch in rows if sid in people]
    elif dimension in ("language", "profile"):
        column = Subscriber.language if dimension == "language" else Subscriber.profile
        for sid, key in session.execute(select(Subscriber.id, column)).all():
            if sid in people:
                spans.append((key, people[sid][1], end_of(sid)))
    else:
        raise ValueError(dimension)
    return _series(spans, names.get(dimension, {}), now)


def by_status(session: Session) -> dict[str, int]:
    counts = dict(session.execute(select(Subscriber.status, func.count()).group_by(col(Subscriber.status))).all())
    return {s: counts.get(s, 0) for s in STATUS_NAMES}


def addresses_confirmed(session: Session) -> dict[str, dict[str, int]]:
    out = {ch: {"confirmed": 0, "unconfirmed": 0} for ch in CHANNELS}
    rows = session.execute(
        select(ChannelAddress.channel, col(ChannelAddress.confirmed_at).is_not(None), func.count())
        .group_by(col(ChannelAddress.channel), col(ChannelAddress.confirmed_at).is_not(None))
    ).all()
    for ch, confirmed, n in rows:
        if ch in out:
            out[ch]["confirmed" if confirmed else "unconfirmed"] += n
    return out


def leaving(session: Session, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Unsubscribes and bounced addresses of the last ``days`` days, per week and per channel."""
    since = (now or utcnow()) - timedelta(days=days)
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.detail, AuditEntry.at).where(
            col(AuditEntry.at) >= since, col(AuditEntry.action).in_(("unsubscribed", "address-removed")))
    ).all()  # fmt: skip
    unsubscribed, bounced = 0, Counter()
    for action, detail, _ in rows:
        if action == "unsubscribed":
            unsubscribed += 1
        elif "bounce" in detail or "complaint" in detail:
            channel = detail.split("channel=", 1)[-1].split(";", 1)[0]
            bounced[channel] += 1
    return {"days": days, "unsubscribed": unsubscribed, "bounced": dict(bounced), "bounced_total": sum(bounced.values())}


def channel_health(session: Session, days: int = 7, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per channel over the last ``days`` days: how many went out, failed, wait; the latest error."""
    since = (now or utcnow()) - timedelta(days=days)
    counts: dict[str, Counter] = defaultdict(Counter)
    for ch, status, n in session.execute(
        select(Delivery.channel, Delivery.status, func.count()).where(col(Delivery.updated_at) >= since)
        .group_by(col(Delivery.channel), col(Delivery.status))
    ).all():  # fmt: skip
        counts[ch][status] += n
    out = {}
    for ch in CHANNELS:
        c = counts.get(ch, Counter())
        delivered = sum(n for status, n in c.items() if group_of(ch, status) == "delivered")
        failed = sum(n for status, n in c.items() if group_of(ch, status) == "failed")
        done = delivered + failed
        last_error = session.execute(
            select(Delivery.last_error).where(col(Delivery.channel) == ch, col(Delivery.updated_at) >= since,
                                              col(Delivery.status).in_(("failed", "dead", "retry")))
            .order_by(col(Delivery.updated_at).desc()).limit(1)
        ).scalar()  # fmt: skip
        out[ch] = {"delivered": delivered, "failed": failed, "retry": c["retry"],
                   "rate": round(100 * delivered / done) if done else None, "last_error": last_error}  # fmt: skip
    return out


def waiting(session: Session) -> dict[str, int]:
    counts = dict(session.execute(
        select(Delivery.status, func.count()).where(col(Delivery.status).in_(list(WAITING))).group_by(col(Delivery.status))
    ).all())  # fmt: skip
    return {s: counts.get(s, 0) for s in WAITING}


def events_side_by_side(session: Session, days: int = 30, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per day: announcements of the team and events of city systems, with their deliveries."""
    since = (now or utcnow()) - timedelta(days=days)
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: {"announcements": 0, "city_systems": 0, "deliveries": 0})
    events = session.execute(
        select(EventRecord.id, EventRecord.source, EventRecord.received_at).where(col(EventRecord.received_at) >= since)
    ).all()  # fmt: skip
    sizes = dict(session.execute(
        select(Delivery.event_pk, func.count()).where(col(Delivery.event_pk).in_([e[0] for e in events]))
        .group_by(col(Delivery.event_pk))
    ).all()) if events else {}  # fmt: skip
    for pk, source, received in events:
        day = aware(received).date().isoformat()
        per_day[day]["announcements" if source == ANNOUNCEMENTS_SOURCE else "city_systems"] += 1
        per_day[day]["deliveries"] += sizes.get(pk, 0)
    return [{"day": d, **v} for d, v in sorted(per_day.items(), reverse=True)]
