"""Drafting an announcement: the fields the API takes, create, edit, correction, the text check."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session

import plainlang
from notify.announcements.event import CORRECTION_PREFIX
from notify.announcements.refused import Refused
from notify.formatting import CITY_TZ
from subscribers.announcements import EDITABLE, Announcement, audit, aware
from subscribers.models import utcnow
from subscribers.staff import Staff
from topics.catalogue import CITYWIDE, Catalogue

TIMES = ("valid_until", "schedule_at", "starts_at", "ends_at")


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
    starts_at: datetime | None = None  # when it happens: the archive's calendar (kalender.ics)
    ends_at: datetime | None = None
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
        elif name in TIMES:
            value = _local_to_utc(value)
        elif name == "link" and value is not None:
            value = str(value)
        values[name] = value
    starts = values["starts_at"] if "starts_at" in values else aware(ann.starts_at)
    ends = values["ends_at"] if "ends_at" in values else aware(ann.ends_at)
    if starts is not None and ends is not None and ends < starts:
        raise Refused(400, "Das Ende liegt vor dem Beginn. Bitte prüfen Sie die beiden Zeiten.", field="ends_at")
    if ends is not None and starts is None:
        raise Refused(400, "Zu einem Ende gehört ein Beginn. Bitte tragen Sie auch den Beginn ein.", field="starts_at")
    changed = False
    for name, value in values.items():
        current = getattr(ann, name)
        if name in TIMES:
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
    from notify.announcements.versions import version_findings

    ann.findings = len(report["findings"]) + version_findings(ann)  # approval covers every version


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
                      link=original.link, starts_at=aware(original.starts_at),
                      ends_at=aware(original.ends_at))  # fmt: skip
    ann = create(session, fields, staff, catalogue, corrects=original.id)
    audit(session, original, staff.email, "correction", "sent", "sent", f"Korrektur ist Mitteilung {ann.id}.")
    return ann
