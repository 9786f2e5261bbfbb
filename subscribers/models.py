"""The tables: subscribers, their channel addresses and subscriptions, API keys, events, deliveries.

Personal data lives only in ``subscriber`` and ``channel_address``; events and the delivery ledger
refer to a subscriber by number, so erasing a subscriber leaves a ledger without personal data.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

CHANNELS = ("email", "sms", "push", "letter")
PROFILES = ("standard", "einfach", "leicht")
FREQUENCIES = ("immediate", "daily", "weekly")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


class Subscriber(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, unique=True, index=True, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    language: str = Field(default="de", max_length=8)
    profile: str = Field(default="standard", max_length=16)
    frequency: str = Field(default="immediate", max_length=16)
    status: str = Field(default="active", max_length=16)  # active | pending | unsubscribed
    origin: str = Field(default="import", max_length=16)  # import | web | staff
    # Quiet hours for SMS and push, local time "HH:MM"; both None = no quiet hours.
    quiet_start: str | None = Field(default=None, max_length=5)
    quiet_end: str | None = Field(default=None, max_length=5)
    # Short code on the confirmation letter of a paper registration (changes by phone or letter).
    service_code: str | None = Field(default=None, unique=True, index=True, max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChannelAddress(SQLModel, table=True):
    """Where one channel reaches a subscriber; ``priority`` orders the preference (0 first)."""

    __tablename__ = "channel_address"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "channel"),
        Index("ix_channel_address_lookup", "channel", "address"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True, ondelete="CASCADE")
    channel: str = Field(max_length=8)
    address: str = Field(sa_column=Column(Text, nullable=False))
    priority: int = 0
    confirmed_at: datetime | None = None


class Subscription(SQLModel, table=True):
    """One topic × one district (or ``citywide``) for one subscriber."""

    __table_args__ = (UniqueConstraint("subscriber_id", "topic_id", "district_id"),)

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True, ondelete="CASCADE")
    topic_id: str = Field(max_length=64)
    district_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(unique=True, index=True, max_length=16)
    key_hash: str = Field(max_length=128)
    scopes: str = Field(max_length=200)  # space separated
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class EventRecord(SQLModel, table=True):
    """Each accepted event once: (source, event_id) is unique, which is how replays are recognised."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=500)
    event_id: str = Field(max_length=200)
    type: str = Field(max_length=200)
    title: str = Field(max_length=200)
    urgency: str = Field(default="normal", max_length=8)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the CloudEvent as JSON
    status: str = Field(default="received", max_length=16)  # received | accepted | matched | expired | held
    amstad: float | None = None
    readability: str | None = Field(default=None, sa_column=Column(Text))  # report JSON
    deliveries: int = 0
    received_at: datetime = Field(default_factory=utcnow)
    matched_at: datetime | None = None


class Delivery(SQLModel, table=True):
    """The delivery ledger. ``id`` is derived from event × subscriber × channel and is the
    primary key, so the same delivery can never be written (or sent) twice."""

    id: str = Field(primary_key=True, max_length=40)
    event_pk: int = Field(foreign_key="event.id", index=True)
    subscriber_id: int = Field(index=True)
    channel: str = Field(max_length=8)
    urgent: bool = False
    # pending | sending | sent | retry | failed | dead | held | skipped |
    # digest (waits for the resident's digest) | bundled (went out in a digest) | deferred (quiet hours)
    # | too_late (a letter could not arrive in time) | handed_over (a letter's batch went to the print service)
    # | waiting (their version of the text is not there yet; see notify/versions.py)
    # What each means to a person, per channel: subscribers/delivery_status.py
    status: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    message_id: str | None = Field(default=None, max_length=200)
    amstad: float | None = None
    readability: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    not_before: datetime | None = None  # a deferred delivery (quiet hours) waits until then
    # While ``sending``: which worker holds the row and until when (subscribers/leases.py).
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    # The version the resident read, "language/profile" (notify/versions.py); while the status is
    # "waiting" (policy wait_for_version, until not_before), the version they wait for.
    version: str | None = Field(default=None, max_length=24)


class DeliveryAttempt(SQLModel, table=True):
    """A failed attempt of a delivery, one row each: the ledger row keeps the outcome and the
    count, this keeps the history (when, what happened, what the provider said). A delivery that
    went out at its first attempt has no row here: its ``sent_at`` is that attempt."""

    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(foreign_key="delivery.id", index=True, max_length=40)
    attempt: int  # 1 = the first try
    outcome: str = Field(max_length=12)  # retry | dead | failed (permanent: the next channel takes over)
    error: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime = Field(default_factory=utcnow)
