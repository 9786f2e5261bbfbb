"""Sending an announcement now or at its planned time: claim it once, publish its event, mark it sent."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from notify.announcements.approval import approval_threshold, is_approved, needs_approval
from notify.announcements.audience import audience_of
from notify.announcements.event import to_event
from notify.announcements.refused import Refused
from notify.events import CityEvent, InvalidEvent
from notify.kafka import CITY_EVENTS, BrokerDown
from notify.pipeline import Runtime
from subscribers.announcements import Announcement, audit, aware, claim, transition
from subscribers.db import session_scope
from subscribers.models import utcnow
from subscribers.staff import Staff

log = logging.getLogger(__name__)

STALE_SENDING = timedelta(minutes=5)


@dataclass
class SendResult:
    status: str  # "sent" | "scheduled"
    event_id: str | None = None


def _prepare_send(rt: Runtime, ann_id: int, staff: Staff, now: datetime) -> tuple[str, CityEvent | None, str]:
    """Check the rules and claim the row (or schedule it). Returns (what, event, former state)."""
    with session_scope(rt.db_url) as session:
        ann = session.get(Announcement, ann_id)
        if ann is None:
            raise Refused(404, "Diese Mitteilung gibt es nicht.")
        if not staff.may("send"):
            raise Refused(403, "Ihre Rolle darf nicht senden.")
        if ann.status in ("sent", "sending", "cancelled"):
            raise Refused(409, f"Die Mitteilung ist schon „{ann.state_name}“.")
        if ann.status == "review":
            raise Refused(409, "Die Mitteilung wartet auf Freigabe. Senden geht erst danach.")
        counted = audience_of(session, rt.catalogue, ann)
        if needs_approval(ann, counted["total"]) and not is_approved(ann):
            why = "dringend" if ann.urgent else f"für {counted['total']} Personen (mehr als {approval_threshold()})"
            raise Refused(409, f"Diese Mitteilung ist {why}. Eine zweite Person muss sie erst freigeben.",
                          audience=counted)  # fmt: skip
        ann.audience_total = counted["total"]
        schedule = aware(ann.schedule_at)
        if schedule is not None and schedule > now:
            if ann.status == "scheduled":
                raise Refused(409, "Die Mitteilung ist schon geplant.")
            transition(session, ann, "schedule", staff.email, f"Geplant für {schedule.isoformat()}")
            return "scheduled", None, ann.status
        try:
            event = to_event(ann, rt.catalogue, now)
        except InvalidEvent as exc:
            raise Refused(400, exc.detail, errors=exc.errors) from None
        session.flush()
    with session_scope(rt.db_url) as session:
        before = claim(session, ann_id, staff.email)
    if before is None:
        raise Refused(409, "Die Mitteilung wird gerade schon gesendet.")
    return "claimed", event, before


def _finish(rt: Runtime, ann_id: int, actor: str, event: CityEvent) -> None:
    with session_scope(rt.db_url) as session:
        ann = session.get(Announcement, ann_id)
        transition(session, ann, "sent", actor)
        ann.event_id, ann.sent_by, ann.sent_at = event.id, actor, utcnow()


def _unclaim(rt: Runtime, ann_id: int, actor: str, before: str, reason: str) -> None:
    with session_scope(rt.db_url) as session:
        ann = session.get(Announcement, ann_id)
        if ann is not None and ann.status == "sending":
            ann.status = before
            audit(session, ann, actor, "unclaim", "sending", before, reason)


async def publish_event(publisher: Any, event: CityEvent) -> None:
    await publisher.send(CITY_EVENTS, event.to_json().encode(), key=event.key.encode())


async def send(rt: Runtime, publisher: Any, ann_id: int, staff: Staff, now: datetime | None = None) -> SendResult:
    """Send now, or schedule when ``schedule_at`` lies ahead. Raises Refused or BrokerDown."""
    now = aware(now or utcnow())
    what, event, before = await asyncio.to_thread(_prepare_send, rt, ann_id, staff, now)
    if what == "scheduled":
        return SendResult("scheduled")
    try:
        await publish_event(publisher, event)
    except BrokerDown as exc:
        await asyncio.to_thread(_unclaim, rt, ann_id, staff.email, before, f"Kafka: {exc}")
        raise
    await asyncio.to_thread(_finish, rt, ann_id, staff.email, event)
    return SendResult("sent", event.id)


SCHEDULER = "zeitplan"


def _claim_due(rt: Runtime, now: datetime) -> list[tuple[int, str, CityEvent | None]]:
    """Claim every due scheduled announcement (and re-claim stale ``sending`` ones)."""
    threshold = approval_threshold()
    out = []
    with session_scope(rt.db_url) as session:
        due = session.execute(
            select(Announcement).where(Announcement.status == "scheduled", Announcement.schedule_at <= now)
        ).scalars().all()  # fmt: skip
        stale = session.execute(
            select(Announcement.id).where(Announcement.status == "sending", Announcement.updated_at < now - STALE_SENDING)
        ).scalars().all()  # fmt: skip
        for ann in due:
            counted = audience_of(session, rt.catalogue, ann)["total"]
            if needs_approval(ann, counted, threshold) and not is_approved(ann):
                ann.status = "review"  # the audience grew since it was planned: ask a second person
                audit(session, ann, SCHEDULER, "submit", "scheduled", "review",
                      f"Nicht gesendet: jetzt {counted} Personen, Freigabe nötig.")  # fmt: skip
                continue
            ann.audience_total = counted
        session.flush()
        for ann in due:
            if ann.status == "scheduled":
                out.append((ann.id, "scheduled"))
        for ann_id in stale:  # crashed between claim and publish: publishing again is harmless
            result = session.execute(
                update(Announcement).where(Announcement.id == ann_id, Announcement.status == "sending",
                                           Announcement.updated_at < now - STALE_SENDING)
                .values(updated_at=now)
            )  # fmt: skip
            if result.rowcount == 1:
                out.append((ann_id, "sending-stale"))
    claimed = []
    for ann_id, kind in out:
        with session_scope(rt.db_url) as session:
            before = "sending" if kind == "sending-stale" else claim(session, ann_id, SCHEDULER, "Zeitpunkt erreicht")
            if before is None:
                continue
            ann = session.get(Announcement, ann_id)
            try:
                event = to_event(ann, rt.catalogue, now)
            except InvalidEvent as exc:
                ann.status = "draft"
                audit(session, ann, SCHEDULER, "unclaim", "sending", "draft", f"Ungültig: {exc.detail}")
                continue
        claimed.append((ann_id, before, event))
    return claimed


async def publish_due(rt: Runtime, publisher: Any, now: datetime | None = None) -> int:
    """Publish every scheduled announcement whose time has come; returns how many went out.

    Safe to call from several processes at once and again after a restart: each announcement is
    claimed with one UPDATE before it is published, and its event id is fixed, so ingest would
    drop a second copy anyway. Cancelled and not-yet-approved ones never go out.
    """
    now = aware(now or utcnow())
    sent = 0
    for ann_id, before, event in await asyncio.to_thread(_claim_due, rt, now):
        try:
            await publish_event(publisher, event)
        except BrokerDown as exc:
            log.warning("announcement %s not published yet: %s", ann_id, exc)
            if before != "sending":  # a stale claim stays claimed and is tried again later
                await asyncio.to_thread(_unclaim, rt, ann_id, SCHEDULER, before, f"Kafka: {exc}")
            continue
        await asyncio.to_thread(_finish, rt, ann_id, SCHEDULER, event)
        sent += 1
    return sent
