"""The tables of the public archive: published messages, their short codes, tags and feedback.

Nothing here is personal. A published message is a copy of what the city said (title, text,
topics, area, dates, versions); a feedback row keeps a keyed hash of the voter at most, so a
second vote through the same personal link is recognised without storing who voted.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from subscribers.models import utcnow


class PublishedMessage(SQLModel, table=True):
    __tablename__ = "published_message"

    id: int | None = Field(default=None, primary_key=True)
    event_pk: int = Field(foreign_key="event.id", unique=True)
    source: str = Field(max_length=500)
    event_id: str = Field(max_length=200)
    code: str = Field(unique=True, index=True, max_length=8)  # short link /m/<code> (standard version)
    type: str = Field(max_length=200)
    kind: str = Field(default="message", max_length=12)  # message | correction | all-clear
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topics: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of topic ids
    area: str = Field(sa_column=Column(Text, nullable=False))  # JSON: "citywide" | [ids]
    urgency: str = Field(default="normal", max_length=8)
    link: str | None = Field(default=None, max_length=2000)
    valid_until: datetime | None = None
    starts_at: datetime | None = Field(default=None, index=True)
    ends_at: datetime | None = None
    versions: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list of dicts
    corrects_id: int | None = Field(default=None, index=True)  # the published message this corrects
    corrects_event: str | None = Field(default=None, max_length=200)
    readability_index: float | None = None
    published_at: datetime = Field(default_factory=utcnow, index=True)

    @property
    def topic_list(self) -> list[str]:
        return json.loads(self.topics)

    @property
    def area_value(self) -> str | list[str]:
        return json.loads(self.area)

    @property
    def version_list(self) -> list[dict[str, Any]]:
        return json.loads(self.versions)


class PublishedTag(SQLModel, table=True):
    """What a message concerns, expanded for filtering: ``t`` = a topic and its parents;
    ``a`` = each area district with its Stadtbezirk and Stadtteile, or ``citywide``."""

    __tablename__ = "published_tag"
    __table_args__ = (Index("ix_published_tag_lookup", "kind", "value", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="published_message.id", index=True)
    kind: str = Field(max_length=1)
    value: str = Field(max_length=64)


class ShortCode(SQLModel, table=True):
    """``/m/<code>`` → a message in one version (``""`` = the standard German text)."""

    __tablename__ = "short_code"

    code: str = Field(primary_key=True, max_length=8)
    message_id: int = Field(foreign_key="published_message.id", index=True)
    version: str = Field(default="", max_length=40)


class MessageFeedback(SQLModel, table=True):
    """One answer to "War diese Nachricht verständlich?"."""

    __tablename__ = "message_feedback"
    __table_args__ = (UniqueConstraint("message_id", "voter"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="published_message.id", index=True)
    version: str = Field(default="", max_length=40)
    understood: bool
    comment: str | None = Field(default=None, max_length=500)
    voter: str | None = Field(default=None, max_length=64)  # keyed hash of a personal link; None = anonymous
    created_at: datetime = Field(default_factory=utcnow)


class MessageViews(SQLModel, table=True):
    __tablename__ = "message_views"

    message_id: int = Field(foreign_key="published_message.id", primary_key=True)
    version: str = Field(default="", primary_key=True, max_length=40)
    views: int = 0
