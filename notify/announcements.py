"""Announcements from the communications team: checking, audience, approval, publishing, previews.

A sent announcement is an ordinary city event (CloudEvent, source ``/stadtbote/announcements``,
id ``ANN-<id>``) on ``city-events``, so it takes exactly the path of every other event: ingest,
match, plain-language gate, delivery ledger. Because ingest registers an event once under
(source, id), publishing the same announcement twice can never reach a resident twice.

The web routes (``notify/web/staff``) and the worker's timer (:func:`publish_due`) call these.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import and_, distinct, func, select, update
from sqlmodel import Session

import plainlang
from notify.events import CityEvent, InvalidEvent, parse_event
from notify.formatting import CITY_TZ
from notify.kafka import CITY_EVENTS, DELIVERIES, BrokerDown
from notify.pipeline import Runtime
from subscribers.announcements import (
    EDITABLE,
    Announcement,
    InvalidTransition,
    ReleasedDelivery,
    audit,
    aware,
    claim,
    is_released,
    transition,
)
from subscribers.db import session_scope
from subscribers.models import CHANNELS, ChannelAddress, Delivery, EventRecord, Subscriber, Subscription, utcnow
from subscribers.staff import Staff
from topics.catalogue import CITYWIDE, Catalogue

__all__ = ["SOURCE", "is_released", "publish_due"]
log = logging.getLogger(__name__)

SOURCE = "/stadtbote/announcements"
CORRECTION_PREFIX = "Korrektur: "
STALE_SENDING = timedelta(minutes=5)


class Refused(Exception):
    """An action that is not allowed now: ``status`` is the HTTP status, ``detail`` plain German."""

    def __init__(self, status: int, detail: str, **extra: Any):
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def approval_threshold() -> int:
    """Announcements reaching more people than this need a second person's approval.

    Read fresh from the environment (``NOTIFY_APPROVAL_THRESHOLD``) through the settings class, so
    an operator's change applies without a restart of every process.
    """
    from notify.settings import Settings

    return Settings().approval_threshold


# -- input ---------------------------------------------------------------------------------------
def _local_to_utc(value: datetime | None) -> datetime | None:
    """A time without zone is city time (what a person types); stored in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CITY_TZ)
    return value.astimezone(UTC)


class DraftFields(BaseModel):
    """The fields of an announcement as the API takes them (all optional for PATCH)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(None, min_length=1, max_length=180)
    text: str | None = Field(None, min_length=1, max_length=20_000)
    topics: list[str] | None = Field(None, min_length=1, max_length=20)
    area: Literal["citywide"] | list[str] | None = None
    urgency: Literal["normal", "urgent"] | None = None
    channels: list[Literal["email", "sms", "push", "letter"]] | None = Field(None, min_length=1)
    kind: str | None = Field(None, pattern=r"^[a-z0-9-]{1,60}$")
    profile: Literal["leicht", "einfach", "standard"] | None = None
    link: AnyHttpUrl | None = None
    valid_until: datetime | None = None
    schedule_at: datetime | None = None
    public: bool | None = None  # shown in the public archive (default: yes)

    @field_validator("title")
    @classmethod
    def _one_line(cls, v: str | None) -> str | None:
        if v is not None and any(c in v for c in "\r\n\x00"):
            raise ValueError("Der Titel darf keinen Zeilenumbruch enthalten.")
        return v

    @field_validator("area")
    @classmethod
    def _area(cls, v: Any) -> Any:
        if isinstance(v, list) and not v:
            raise ValueError('Bitte mindestens einen Stadtteil angeben oder "citywide".')
        return v


class NewDraft(DraftFields):
    title: str = Field(min_length=1, max_length=180)
    text: str = Field(min_length=1, max_length=20_000)
    topics: list[str] = Field(min_length=1, max_length=20)
    area: Literal["citywide"] | list[str] = CITYWIDE


def unknown_ids(catalogue: Catalogue, topics: list[str] | None, area: Any) -> list[str]:
    bad = [t for t in topics or [] if t not in catalogue.topics]
    if isinstance(area, list):
        bad += [d for d in area if d not in catalogue.districts]
    return bad


def _apply(ann: Announcement, fields: DraftFields, catalogue: Catalogue) -> bool:
    """Copy the given fields onto ``ann``; True when anything changed."""
    given = fields.model_dump(exclude_unset=True)
    if bad := unknown_ids(catalogue, given.get("topics"), given.get("area")):
        raise Refused(400, f"Unbekannte Themen oder Stadtteile: {', '.join(bad)}.")
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name in ("topics", "area", "channels"):
            value = json.dumps(value if value is not None else ([] if name != "area" else CITYWIDE))
        elif name in ("valid_until", "schedule_at"):
            value = _local_to_utc(value)
        elif name == "link" and value is not None:
            value = str(value)
        values[name] = value
    changed = False
    for name, value in values.items():
        current = getattr(ann, name)
        if name in ("valid_until", "schedule_at"):
            current = aware(current)
        if value is None and name in ("title", "text", "urgency", "kind", "profile", "topics", "channels", "public"):
            continue
        if current != value:
            setattr(ann, name, value)
            changed = True
    return changed


def check_text(ann: Announcement) -> None:
    """Run the plain-language check on the text and keep the report beside it."""
    report = plainlang.check(ann.text, profile=ann.profile).to_dict()
    ann.readability = json.dumps(report, ensure_ascii=False)
    ann.readability_index = report["index"]
    ann.findings = len(report["findings"])


def create(session: Session, fields: NewDraft, staff: Staff, catalogue: Catalogue,
           corrects: int | None = None) -> Announcement:  # fmt: skip
    if not staff.may("write"):
        raise Refused(403, "Ihre Rolle darf keine Mitteilungen schreiben.")
    ann = Announcement(title="", text="", created_by=staff.email, updated_by=staff.email, corrects=corrects)
    _apply(ann, fields, catalogue)
    check_text(ann)
    session.add(ann)
    session.flush()
    audit(session, ann, staff.email, "create", None, "draft",
          f"Korrektur zu Mitteilung {corrects}" if corrects else None)  # fmt: skip
    return ann


def edit(session: Session, ann: Announcement, fields: DraftFields, staff: Staff, catalogue: Catalogue) -> bool:
    """Change a draft. Any change after approval takes the approval back: what was approved goes out."""
    if not staff.may("write"):
        raise Refused(403, "Ihre Rolle darf keine Mitteilungen ändern.")
    if ann.status not in EDITABLE:
        raise Refused(409, f"Eine Mitteilung im Zustand „{ann.state_name}“ kann man nicht mehr ändern.")
    text_before = (ann.text, ann.profile)
    if not _apply(ann, fields, catalogue):
        return False
    if (ann.text, ann.profile) != text_before:
        check_text(ann)
    before = ann.status
    had_approval = ann.approved_version is not None
    ann.version += 1
    ann.updated_by, ann.updated_at = staff.email, utcnow()
    ann.approved_by = ann.approved_at = ann.approved_version = None
    ann.override_findings = False
    ann.status = "draft"
    audit(session, ann, staff.email, "edit", before, "draft",
          "Freigabe zurückgesetzt, weil der Text geändert wurde." if had_approval or before != "draft" else None)  # fmt: skip
    return True


def correction(session: Session, original: Announcement, staff: Staff, catalogue: Catalogue) -> Announcement:
    """A new draft that corrects a sent announcement; it goes out with its own event id."""
    if original.status != "sent":
        raise Refused(409, "Korrigieren kann man nur eine gesendete Mitteilung.")
    fields = NewDraft(title=original.title.removeprefix(CORRECTION_PREFIX), text=original.text,
                      topics=original.topic_list, area=original.area_value, urgency=original.urgency,
                      channels=original.channel_list, kind=original.kind, profile=original.profile,
                      link=original.link)  # fmt: skip
    ann = create(session, fields, staff, catalogue, corrects=original.id)
    audit(session, original, staff.email, "correction", "sent", "sent", f"Korrektur ist Mitteilung {ann.id}.")
    return ann


# -- audience ------------------------------------------------------------------------------------
def audience(session: Session, catalogue: Catalogue, topics: list[str], area: str | list[str],
             urgent: bool = False) -> dict[str, Any]:  # fmt: skip
    """How many residents an event for ``topics`` × ``area`` reaches, counted in the database.

    Same rules as the worker's match index: topics widen to their parents, the area to its
    Stadtbezirk, its Stadtteile and ``citywide``; only active subscribers with a confirmed address
    count, each once. ``by_channel`` is each person's first-choice channel (normal events) or
    every confirmed channel (urgent events, which go out on all of them).
    """
    topic_keys = sorted(catalogue.subscription_topics_for(list(topics)))
    district_keys = sorted(catalogue.subscription_districts_for(area))
    matched = (
        select(Subscription.subscriber_id)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(
            Subscriber.status == "active",
            Subscription.topic_id.in_(topic_keys),
            Subscription.district_id.in_(district_keys),
        )  # fmt: skip
    )
    confirmed = and_(
        ChannelAddress.confirmed_at.is_not(None),
        ChannelAddress.channel.in_(CHANNELS),
        ChannelAddress.subscriber_id.in_(matched),
    )
    total = session.execute(select(func.count(distinct(ChannelAddress.subscriber_id))).where(confirmed)).scalar_one()
    if urgent:
        rows = session.execute(
            select(ChannelAddress.channel, func.count()).where(confirmed).group_by(ChannelAddress.channel)
        ).all()
    else:
        first = (
            select(ChannelAddress.subscriber_id, func.min(ChannelAddress.priority).label("p"))
            .where(confirmed)
            .group_by(ChannelAddress.subscriber_id)
            .subquery()
        )
        rows = session.execute(
            select(ChannelAddress.channel, func.count())
            .join(
                first, and_(first.c.subscriber_id == ChannelAddress.subscriber_id, first.c.p == ChannelAddress.priority)
            )
            .where(ChannelAddress.confirmed_at.is_not(None))
            .group_by(ChannelAddress.channel)
        ).all()
    by_channel = {ch: 0 for ch in CHANNELS}
    by_channel.update({ch: n for ch, n in rows})
    return {"total": total, "by_channel": by_channel, "deliveries": sum(by_channel.values()), "urgent": urgent}


def audience_of(session: Session, catalogue: Catalogue, ann: Announcement) -> dict[str, Any]:
    return audience(session, catalogue, ann.topic_list, ann.area_value, ann.urgent)


def needs_approval(ann: Announcement, total: int, threshold: int | None = None) -> bool:
    return ann.urgent or total > (approval_threshold() if threshold is None else threshold)


def is_approved(ann: Announcement) -> bool:
    """Approved for exactly the version that is there now (an edit takes the approval back)."""
    return ann.approved_version == ann.version and ann.approved_by is not None


# -- approval ------------------------------------------------------------------------------------
def approve(session: Session, ann: Announcement, staff: Staff, override_findings: bool = False,
            note: str | None = None) -> None:  # fmt: skip
    """Four eyes: an approver or admin, never the person who wrote or last changed the text."""
    if not staff.may("approve"):
        raise Refused(403, "Freigeben dürfen nur Personen mit der Rolle Freigabe oder Verwaltung.")
    if staff.email in (ann.created_by, ann.updated_by):
        raise Refused(403, "Vier-Augen-Prinzip: Sie dürfen Ihre eigene Mitteilung nicht freigeben. "
                           "Bitte fragen Sie eine Kollegin oder einen Kollegen.")  # fmt: skip
    if ann.findings and not override_findings:
        raise Refused(409, f"Der Text hat noch {ann.findings} Hinweise zur Verständlichkeit. Bitte lesen Sie sie. "
                           "Wenn Sie trotzdem freigeben wollen, bestätigen Sie das (override_findings).",
                      findings=ann.findings)  # fmt: skip
    try:
        text = f"Trotz {ann.findings} Hinweisen freigegeben." if ann.findings else None
        transition(session, ann, "approve", staff.email, "; ".join(x for x in (text, note) if x) or None)
    except InvalidTransition as exc:
        raise Refused(409, exc.detail) from None
    ann.approved_by, ann.approved_at, ann.approved_version = staff.email, utcnow(), ann.version
    ann.override_findings = bool(ann.findings)


def submit(session: Session, ann: Announcement, staff: Staff, note: str | None = None) -> None:
    if not staff.may("write"):
        raise Refused(403, "Ihre Rolle darf das nicht.")
    try:
        transition(session, ann, "submit", staff.email, note)
    except InvalidTransition as exc:
        raise Refused(409, exc.detail) from None


def cancel(session: Session, ann: Announcement, staff: Staff, note: str | None = None) -> None:
    if not staff.may("write"):
        raise Refused(403, "Ihre Rolle darf das nicht.")
    try:
        transition(session, ann, "cancel", staff.email, note)
    except InvalidTransition as exc:
        raise Refused(409, exc.detail) from None


# -- the event -----------------------------------------------------------------------------------
def city_slug(catalogue: Catalogue) -> str:
    slug = catalogue.city.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return re.sub(r"[^a-z0-9-]+", "-", slug).strip("-") or "stadt"


def event_id(ann_id: int) -> str:
    return f"ANN-{ann_id}"


def to_event(ann: Announcement, catalogue: Catalogue, now: datetime | None = None) -> CityEvent:
    """The CloudEvent for ``ann``; a correction carries ``corrects`` (the earlier event id)."""
    title = ann.title
    if ann.corrects is not None and not title.startswith(CORRECTION_PREFIX):
        title = CORRECTION_PREFIX + title
    data: dict[str, Any] = {"title": title[:200], "text": ann.text, "topics": ann.topic_list,
                            "area": ann.area_value, "urgency": ann.urgency}  # fmt: skip
    if ann.link:
        data["link"] = ann.link
    if ann.valid_until:
        data["valid_until"] = aware(ann.valid_until).isoformat()
    if not ann.public:
        data["public"] = False  # staff chose: not in the archive, feeds and open data
    envelope: dict[str, Any] = {
        "specversion": "1.0", "id": event_id(ann.id), "source": SOURCE,
        "type": f"de.{city_slug(catalogue)}.{ann.kind}", "time": aware(now or utcnow()).isoformat(),
        "datacontenttype": "application/json", "subject": f"announcement/{ann.id}", "data": data,
    }  # fmt: skip
    if ann.corrects is not None:
        envelope["corrects"] = event_id(ann.corrects)
    if set(ann.channel_list) != set(CHANNELS):
        envelope["channels"] = " ".join(ann.channel_list)  # extension attribute; see README of staff
    return parse_event(envelope, catalogue)


# -- sending -------------------------------------------------------------------------------------
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


# -- held deliveries -----------------------------------------------------------------------------
def event_record(session: Session, ann: Announcement) -> EventRecord | None:
    if not ann.event_id:
        return None
    query = select(EventRecord).where(EventRecord.source == SOURCE, EventRecord.event_id == ann.event_id)
    return session.execute(query).scalars().first()


def _release_rows(rt: Runtime, ann_id: int, staff: Staff, ids: list[str] | None) -> list[tuple[str, int, str]]:
    if not staff.may("release"):
        raise Refused(403, "Angehaltene Nachrichten freigeben dürfen nur Freigabe und Verwaltung.")
    with session_scope(rt.db_url) as session:
        ann = session.get(Announcement, ann_id)
        if ann is None:
            raise Refused(404, "Diese Mitteilung gibt es nicht.")
        record = event_record(session, ann)
        if record is None:
            raise Refused(409, "Zu dieser Mitteilung gibt es noch keine Zustellungen.")
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
    return rows


async def release_held(rt: Runtime, publisher: Any, ann_id: int, staff: Staff, ids: list[str] | None = None) -> int:
    """Send held deliveries after all: mark them released and hand them to the channel workers.

    If the broker is down now, the rows are "pending" already and the worker's sweep sends them.
    """
    rows = await asyncio.to_thread(_release_rows, rt, ann_id, staff, ids)
    try:
        for did, sid, channel in rows:
            value = json.dumps({"delivery_id": did, "channel": channel}).encode()
            await publisher.send(DELIVERIES[channel], value, key=str(sid).encode())
    except BrokerDown as exc:
        log.warning("released deliveries wait for the sweep: %s", exc)
    return len(rows)


# -- previews ------------------------------------------------------------------------------------
def preview(rt: Runtime, ann: Announcement, channel: str) -> dict[str, Any]:
    """What a sample resident would get on ``channel`` (email HTML, SMS with cost, push)."""
    from notify.channels.email import render_email
    from notify.channels.gsm import sms_info
    from notify.channels.short_text import fit_push_for, fit_sms_for, shortening_notes
    from notify.pipeline import template_context
    from notify.preview import SAMPLE

    event = to_event(ann, rt.catalogue)
    context = template_context(rt, event, SAMPLE, "de")
    if channel == "email":
        mail = render_email(event.template_name, context, "de", "standard")
        return {"channel": "email", "subject": mail.subject, "html": mail.html, "text": mail.text}
    if channel == "sms":
        budget = rt.settings.sms_segment_budget
        fitted = fit_sms_for(event.template_name, context, "de", "standard", budget, rt.settings.sms_urgent_segments)
        return {"channel": "sms", "text": fitted.text, **sms_info(fitted.text).as_dict(), "budget": fitted.limit,
                "notes": shortening_notes(fitted, "sms", budget)}  # fmt: skip
    if channel == "push":
        push, fitted = fit_push_for(event.template_name, context, "de", "standard")
        return {"channel": "push", "title": push.title, "body": push.body, "link": push.link,
                "notes": shortening_notes(fitted, "push")}  # fmt: skip
    raise Refused(404, f"Keine Vorschau für „{channel}“.")


_LETTERS: OrderedDict[str, bytes] = OrderedDict()


def letter_pdf(rt: Runtime, ann: Announcement) -> bytes:
    """The letter for a sample resident; rendering takes a moment, so the last few are kept."""
    from notify.preview import render_preview

    event = to_event(ann, rt.catalogue, now=datetime(2000, 1, 1, tzinfo=UTC))  # stable cache key
    key = event.to_json()
    if key not in _LETTERS:
        _LETTERS[key] = render_preview(rt, event, "letter").content
        while len(_LETTERS) > 16:
            _LETTERS.popitem(last=False)
    return _LETTERS[key]


def letter_png(rt: Runtime, ann: Announcement, scale: float = 1.2) -> bytes:
    """Page 1 of the letter as PNG, for a quick look without a PDF viewer."""
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(letter_pdf(rt, ann))
    try:
        image = pdf[0].render(scale=scale).to_pil()
    finally:
        pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
