"""Reusable announcement templates: an announcement saved under a name, per topic, to start new
drafts from (the weekly waste collection notice, the standard road works text).

A template copies what staff wrote — title, text, topics, area, urgency, channels, kind, level,
link — and, when the announcement has other versions (languages, Einfache/Leichte Sprache), those
too: ``versions`` holds them as JSON exactly as the announcement keeps them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, select
from sqlmodel import Field, Session, SQLModel, col

from subscribers.models import utcnow

COPIED = ("title", "text", "topics", "area", "urgency", "channels", "kind", "profile", "link")


class AnnouncementTemplate(SQLModel, table=True):
    __tablename__ = "announcement_template"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    topic: str = Field(max_length=64, index=True)  # the first topic: how the list is grouped
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topics: str = Field(sa_column=Column(Text, nullable=False))  # JSON, as on the announcement
    area: str = Field(sa_column=Column(Text, nullable=False))
    urgency: str = Field(default="normal", max_length=8)
    channels: str = Field(max_length=100)
    kind: str = Field(default="announcement", max_length=60)
    profile: str = Field(default="einfach", max_length=16)
    link: str | None = Field(default=None, max_length=500)
    versions: str | None = Field(default=None, sa_column=Column(Text))  # JSON of the other versions, if any
    source_announcement: int | None = None
    created_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow)


def versions_of(announcement: object) -> str | None:
    """The announcement's other versions as JSON text, when its model has them."""
    value = getattr(announcement, "versions", None)
    if value is None or isinstance(value, str):
        return value
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


def save_template(session: Session, announcement: object, name: str, actor: str) -> AnnouncementTemplate:
    values = {field: getattr(announcement, field) for field in COPIED}
    import json

    topics = json.loads(values["topics"]) if isinstance(values["topics"], str) else values["topics"]
    template = AnnouncementTemplate(name=name.strip()[:120], topic=(topics or ["ohne"])[0], **values,
                                    versions=versions_of(announcement), source_announcement=getattr(announcement, "id", None),
                                    created_by=actor)  # fmt: skip
    session.add(template)
    session.flush()
    return template


def list_templates(session: Session, topic: str | None = None) -> list[AnnouncementTemplate]:
    query = select(AnnouncementTemplate).order_by(col(AnnouncementTemplate.topic), col(AnnouncementTemplate.name))
    if topic:
        query = query.where(col(AnnouncementTemplate.topic) == topic)
    return list(session.execute(query).scalars())


def delete_template(session: Session, template_id: int) -> bool:
    template = session.get(AnnouncementTemplate, template_id)
    if template is None:
        return False
    session.delete(template)
    return True
