"""Announcements written by the communications team: the table, the state machine, the audit log.

States (German names are what the UI shows)::

    draft ──submit──▶ review ──approve──▶ approved ──send──▶ sending ──▶ sent
      │  ╲______________approve_____________▲   │ ╲                 ▲
      │                                         │  ╲─(schedule)─▶ scheduled ──(due)──┘
      └──────────── cancel (from any state before "sent") ──▶ cancelled

- Editing resets any approval: the text that was approved is the text that goes out.
- ``sending`` is a claim: one UPDATE moves the row there from a sendable state, so two clicks,
  two web processes or the scheduler and a person cannot both publish it.
- Every change of state (and every edit) writes one row to ``announcement_audit``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Column, Text, select, update
from sqlmodel import Field, Session, SQLModel, col

from subscribers.models import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

STATES = ("draft", "review", "approved", "scheduled", "sending", "sent", "cancelled")
STATE_NAMES = {
    "draft": "Entwurf",
    "review": "Wartet auf Freigabe",
    "approved": "Freigegeben",
    "scheduled": "Geplant",
    "sending": "Wird gesendet",
    "sent": "Gesendet",
    "cancelled": "Zurückgezogen",
}
EDITABLE = ("draft", "review", "approved", "scheduled")
# action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": (("draft",), "review"),
    "approve": (("draft", "review"), "approved"),
    "schedule": (("draft", "approved"), "scheduled"),
    "claim": (("draft", "approved", "scheduled"), "sending"),
    "sent": (("sending",), "sent"),
    "cancel": (("draft", "review", "approved", "scheduled"), "cancelled"),
}
ACTION_NAMES = {
    "create": "angelegt", "edit": "bearbeitet", "submit": "zur Freigabe gegeben", "approve": "freigegeben",
    "schedule": "geplant", "claim": "Senden begonnen", "sent": "gesendet", "cancel": "zurückgezogen",
    "unclaim": "Senden fehlgeschlagen", "release": "angehaltene Nachrichten freigegeben",
    "correction": "Korrektur angelegt", "version": "Fassung geändert", "reviewed": "Fassung als geprüft markiert",
    "version_added": "Fassung nachgereicht",
}  # fmt: skip


class InvalidTransition(ValueError):
    """The action is not possible in the current state; ``detail`` says so in plain German."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class Announcement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topics: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list of topic ids
    area: str = Field(default='"citywide"', sa_column=Column(Text, nullable=False))  # JSON: "citywide" | [ids]
    urgency: str = Field(default="normal", max_length=8)
    channels: str = Field(default='["email", "sms", "push", "letter"]', max_length=100)  # JSON list
    kind: str = Field(default="announcement", max_length=60)  # last part of the event type
    profile: str = Field(default="einfach", max_length=16)  # plain-language profile to check against
    link: str | None = Field(default=None, max_length=500)
    valid_until: datetime | None = None
    starts_at: datetime | None = None  # when the thing happens (meeting, works): the calendar feed
    ends_at: datetime | None = None
    schedule_at: datetime | None = None
    status: str = Field(default="draft", max_length=12, index=True)
    version: int = 1
    corrects: int | None = Field(default=None, foreign_key="announcement.id")
    public: bool = True  # in the public archive (the editor's checkbox)
    readability: str | None = Field(default=None, sa_column=Column(Text))  # report JSON of the text
    # Other levels and languages: JSON list of {language, profile, title, text, reviewed, machine,
    # reviewed_by, index, findings} (notify/announcements/versions.py); null = none yet.
    versions: str | None = Field(default=None, sa_column=Column(Text))
    readability_index: float | None = None
    findings: int = 0
    created_by: str = Field(max_length=254)
    updated_by: str = Field(max_length=254)
    approved_by: str | None = Field(default=None, max_length=254)
    approved_at: datetime | None = None
    approved_version: int | None = None
    override_findings: bool = False
    audience_total: int | None = None  # counted when it was sent
    event_id: str | None = Field(default=None, max_length=200)
    sent_by: str | None = Field(default=None, max_length=254)
    sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    # -- JSON fields as Python values ------------------------------------------------------------
    @property
    def topic_list(self) -> list[str]:
        return json.loads(self.topics)

    @property
    def area_value(self) -> str | list[str]:
        return json.loads(self.area)

    @property
    def channel_list(self) -> list[str]:
        return json.loads(self.channels)

    @property
    def report(self) -> dict[str, Any] | None:
        return json.loads(self.readability) if self.readability else None

    @property
    def version_list(self) -> list[dict[str, Any]]:
        return json.loads(self.versions) if self.versions else []

    @property
    def urgent(self) -> bool:
        return self.urgency == "urgent"

    @property
    def state_name(self) -> str:
        return STATE_NAMES[self.status]


class AuditEntry(SQLModel, table=True):
    """Who did what to an announcement, when, and from which state to which."""

    __tablename__ = "announcement_audit"

    id: int | None = Field(default=None, primary_key=True)
    announcement_id: int = Field(foreign_key="announcement.id", index=True)
    actor: str = Field(max_length=254)
    action: str = Field(max_length=20)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    note: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime = Field(default_factory=utcnow)


class ReleasedDelivery(SQLModel, table=True):
    """Held deliveries that a person released after reading the report: the dispatcher sends
    them although the plain-language gate would hold them again."""

    __tablename__ = "released_delivery"

    delivery_id: str = Field(primary_key=True, max_length=40)
    released_by: str = Field(max_length=254)
    released_at: datetime = Field(default_factory=utcnow)


class ReleasedEvent(SQLModel, table=True):
    """An event the gate held at ingest (its own text failed) that a person released: it is
    matched and published after all (notify/held_events.py); who and when, for the record."""

    __tablename__ = "released_event"

    event_pk: int = Field(foreign_key="event.id", primary_key=True)
    released_by: str = Field(max_length=254)
    released_at: datetime = Field(default_factory=utcnow)


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every time here is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def audit(session: Session, ann: Announcement, actor: str, action: str, from_status: str | None,
          to_status: str, note: str | None = None) -> AuditEntry:  # fmt: skip
    assert ann.id is not None  # callers flush a new announcement first
    entry = AuditEntry(announcement_id=ann.id, actor=actor, action=action, from_status=from_status,
                       to_status=to_status, note=note)  # fmt: skip
    session.add(entry)
    return entry


def transition(session: Session, ann: Announcement, action: str, actor: str, note: str | None = None) -> None:
    """Move ``ann`` by ``action`` (see TRANSITIONS) and write the audit row, or raise."""
    allowed, target = TRANSITIONS[action]
    if ann.status not in allowed:
        raise InvalidTransition(
            f"Das geht nicht: Die Mitteilung ist „{STATE_NAMES[ann.status]}“. "
            f"„{ACTION_NAMES[action]}“ geht nur bei: {', '.join(STATE_NAMES[s] for s in allowed)}."
        )
    before = ann.status
    ann.status, ann.updated_at = target, utcnow()
    audit(session, ann, actor, action, before, target, note)


def claim(session: Session, ann_id: int, actor: str, note: str | None = None) -> str | None:
    """Atomically move a sendable announcement to ``sending``; its former state, or None when
    someone else claimed it first (or it is not sendable)."""
    allowed, _ = TRANSITIONS["claim"]
    before = session.execute(select(col(Announcement.status)).where(col(Announcement.id) == ann_id)).scalar()
    if before not in allowed:
        return None
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Announcement)
            .where(col(Announcement.id) == ann_id, col(Announcement.status) == before)
            .values(status="sending", updated_at=utcnow())
        ),
    )
    if result.rowcount != 1:
        return None
    session.add(AuditEntry(announcement_id=ann_id, actor=actor, action="claim", from_status=before,
                           to_status="sending", note=note))  # fmt: skip
    return before


def history(session: Session, ann_id: int) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(col(AuditEntry.announcement_id) == ann_id)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return list(session.execute(query).scalars())


def is_released(session: Session, delivery_id: str) -> bool:
    """True when staff released this held delivery: send it even though the gate would hold it."""
    return session.get(ReleasedDelivery, delivery_id) is not None
