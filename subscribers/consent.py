"""Consent, double opt-in and the audit trail: who agreed to what, when, and how it was confirmed.

Tables:

* ``consent`` — one row per consent given (web form, API, paper form): which text version, which
  topics/districts/channels, when it was confirmed and over which channel, when withdrawn.
* ``confirmation_code`` — short codes sent by SMS, push or letter (``subscribers.confirm_codes``).
* ``audit_entry`` — every change to a subscription: time, subscriber number, action, actor
  (``resident`` | ``staff`` | ``system``). The detail never holds personal data (no names, no
  addresses, no free text from residents), so the trail may outlive an erasure under a pseudonym.

The functions here are plain and synchronous; ``notify`` wires them to HTTP, the CLI and the worker.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime, timedelta

from sqlalchemy import Column, Text, delete, select, update
from sqlmodel import Field, Session, SQLModel, col

from subscribers.confirm_codes import ConfirmationCode, unconfirmed_hours
from subscribers.models import ChannelAddress, Subscriber, Subscription, utcnow

ACTORS = ("resident", "staff", "system")
# Version of the consent text on /abonnieren and on the paper form; bump it when the text changes.
DEFAULT_TEXT_VERSION = "2025-03"


def text_version() -> str:
    return os.environ.get("NOTIFY_CONSENT_VERSION", DEFAULT_TEXT_VERSION)


def unsubscribed_days() -> float:
    """How long the record of an unsubscribed person is kept (``NOTIFY_UNSUBSCRIBED_DAYS``, default 30)."""
    return float(os.environ.get("NOTIFY_UNSUBSCRIBED_DAYS", "30"))


class ConsentRecord(SQLModel, table=True):
    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True, ondelete="CASCADE")
    purpose: str = Field(default="notifications", max_length=32)
    text_version: str = Field(max_length=32)
    scope: str = Field(sa_column=Column(Text, nullable=False))  # JSON: topics, districts, channels
    given_via: str = Field(max_length=16)  # web | api | paper
    given_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None
    confirmed_channel: str | None = Field(default=None, max_length=16)  # email | sms | push | letter | paper
    note: str | None = Field(default=None, sa_column=Column(Text))  # staff note for paper consent
    withdrawn_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    subscriber_ref: int = Field(index=True)  # subscriber id; a negative pseudonym after erasure
    action: str = Field(max_length=32)
    actor: str = Field(max_length=16)
    detail: str = Field(default="", max_length=300)


# -- audit -----------------------------------------------------------------------------------------

_PERSONAL = re.compile(r"\S+@\S+|\+?\d[\d /-]{5,}\d")


def audit(session: Session, subscriber_id: int, action: str, actor: str, detail: str = "") -> None:
    """Append to the trail. Anything that looks like an address or a phone number is masked."""
    if actor not in ACTORS:
        raise ValueError(f"unknown actor {actor!r}")
    session.add(AuditEntry(subscriber_ref=subscriber_id, action=action, actor=actor,
                           detail=_PERSONAL.sub("[…]", detail)[:300]))  # fmt: skip


# -- consent ---------------------------------------------------------------------------------------


def record_consent(
    session: Session,
    subscriber_id: int,
    *,
    topics: list[str],
    districts: list[str],
    channels: list[str],
    via: str,
    note: str | None = None,
    confirmed_channel: str | None = None,
) -> ConsentRecord:
    """Note a consent as given; ``confirmed_channel`` confirms it at once (the paper form)."""
    record = ConsentRecord(
        subscriber_id=subscriber_id,
        text_version=text_version(),
        scope=json.dumps({"topics": sorted(topics), "districts": sorted(districts), "channels": channels}),
        given_via=via,
        note=note,
        confirmed_at=utcnow() if confirmed_channel else None,
        confirmed_channel=confirmed_channel,
    )
    session.add(record)
    return record


def _confirm_open_consents(session: Session, subscriber_id: int, channel: str) -> None:
    session.execute(
        update(ConsentRecord)
        .where(col(ConsentRecord.subscriber_id) == subscriber_id, col(ConsentRecord.confirmed_at).is_(None))
        .values(confirmed_at=utcnow(), confirmed_channel=channel)
    )


def withdraw_consents(session: Session, subscriber_id: int) -> None:
    session.execute(
        update(ConsentRecord)
        .where(col(ConsentRecord.subscriber_id) == subscriber_id, col(ConsentRecord.withdrawn_at).is_(None))
        .values(withdrawn_at=utcnow())
    )


# -- double opt-in ---------------------------------------------------------------------------------


def address_fingerprint(address: str) -> str:
    """A short hash bound into e-mail confirmation links: a link for an old address stops working."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:12]


def confirm_channel(session: Session, subscriber: Subscriber, channel: str, actor: str = "resident") -> bool:
    """Mark ``channel`` confirmed and the subscriber active; True if this changed anything.

    Letter and push addresses given in the same request are confirmed with the first confirmed
    channel: the person who proved they own the e-mail address or phone gave them to us.
    """
    addresses = (
        session.execute(select(ChannelAddress).where(col(ChannelAddress.subscriber_id) == subscriber.id))
        .scalars()
        .all()
    )
    now, changed = utcnow(), False
    for address in addresses:
        if address.confirmed_at is None and (address.channel == channel or address.channel in ("letter", "push")):
            if address.channel != channel and address.channel == "push" and channel == "letter":
                continue  # a letter code proves a postal address, not a device
            address.confirmed_at = now
            changed = True
    if subscriber.status != "active":
        subscriber.status = "active"
        changed = True
    if changed:
        subscriber.updated_at = now
        assert subscriber.id is not None  # a stored subscriber
        _confirm_open_consents(session, subscriber.id, channel)
        session.execute(
            delete(ConfirmationCode).where(
                col(ConfirmationCode.subscriber_id) == subscriber.id,
                col(ConfirmationCode.channel).in_(("letter", "push")),
            )
        )
        audit(session, subscriber.id, "confirmed", actor, f"channel={channel}")
    session.flush()
    return changed


def release_elsewhere(session: Session, subscriber: Subscriber, channel: str) -> list[int]:
    """An e-mail address or mobile number belongs to one resident at a time: whoever confirmed it
    last. Other residents who had confirmed the same address lose it (nothing else of theirs
    changes); one left without a confirmed address is pending again (an address still waits for
    its code) or unsubscribed. Returns their ids.

    This only happens when one person signed up twice before confirming and then confirmed both:
    without it, they would get every message twice.
    """
    if channel not in ("email", "sms"):
        return []
    mine = session.execute(
        select(col(ChannelAddress.address)).where(
            col(ChannelAddress.subscriber_id) == subscriber.id, col(ChannelAddress.channel) == channel
        )
    ).scalar()
    if mine is None:
        return []
    others = (
        session.execute(
            select(ChannelAddress).where(
                col(ChannelAddress.channel) == channel,
                col(ChannelAddress.address) == mine,
                col(ChannelAddress.subscriber_id) != subscriber.id,
                col(ChannelAddress.confirmed_at).is_not(None),
            )
        )
        .scalars()
        .all()
    )
    changed: list[int] = []
    for row in others:
        sid, other = _drop_address(session, row, "address-moved", f"channel={channel}; confirmed by a newer sign-up")
        if other is not None:
            waiting = session.execute(
                select(col(ChannelAddress.id)).where(col(ChannelAddress.subscriber_id) == sid)
            ).first()
            if waiting is None:
                unsubscribe_all(session, other, "system", "address confirmed by a newer sign-up")
            else:  # an address of theirs still waits for its code: pending again, purged if never confirmed
                other.status, other.updated_at = "pending", utcnow()
        changed.append(sid)
    session.flush()
    return changed


# -- leaving ---------------------------------------------------------------------------------------


def unsubscribe_all(session: Session, subscriber: Subscriber, actor: str = "resident", reason: str = "") -> bool:
    """Stop everything: no subscriptions, consent withdrawn. The record goes after the retention time."""
    if subscriber.status == "unsubscribed":
        return False
    session.execute(delete(Subscription).where(col(Subscription.subscriber_id) == subscriber.id))
    session.execute(delete(ConfirmationCode).where(col(ConfirmationCode.subscriber_id) == subscriber.id))
    subscriber.status = "unsubscribed"
    subscriber.updated_at = utcnow()
    assert subscriber.id is not None  # a stored subscriber
    withdraw_consents(session, subscriber.id)
    audit(session, subscriber.id, "unsubscribed", actor, reason)
    session.flush()
    return True


def mark_bounced(session: Session, channel: str, address: str, reason: str) -> list[int]:
    """A hard bounce or a complaint: that address gets nothing more. Returns the subscriber ids
    whose matching state changed (publish them with ``notify.subscriptions.publish_changes``).

    The address is removed from every subscriber who has it; a subscriber left without any
    confirmed address is unsubscribed. ``reason`` is classified, never stored verbatim (bounce
    texts often quote the address).
    """
    kind = "complaint" if "complain" in reason.lower() or "abuse" in reason.lower() else "hard-bounce"
    rows = (
        session.execute(
            select(ChannelAddress).where(col(ChannelAddress.channel) == channel, col(ChannelAddress.address) == address)
        )
        .scalars()
        .all()
    )
    changed: list[int] = []
    for row in rows:
        sid, subscriber = _drop_address(session, row, "address-removed", f"channel={channel}; reason={kind}")
        if subscriber is not None:
            unsubscribe_all(session, subscriber, "system", f"no address left after {kind}")
        changed.append(sid)
    session.flush()
    return changed


def _drop_address(session: Session, row: ChannelAddress, action: str, detail: str) -> tuple[int, Subscriber | None]:
    """Remove one address (audited). Returns its subscriber id, and the subscriber when no confirmed
    address of theirs is left (the caller decides what that means), else None."""
    sid = row.subscriber_id
    session.delete(row)
    session.flush()
    audit(session, sid, action, "system", detail)
    left = session.execute(
        select(col(ChannelAddress.id)).where(
            col(ChannelAddress.subscriber_id) == sid, col(ChannelAddress.confirmed_at).is_not(None)
        )
    ).first()
    return sid, (session.get(Subscriber, sid) if left is None else None)


def purge_unconfirmed(session: Session, now: datetime | None = None) -> int:
    """Delete what was never confirmed within ``NOTIFY_UNCONFIRMED_HOURS`` (default 72 hours).

    * pending subscribers with no confirmed address → erased completely (a sign-up for letters
      only waits for its letter code, ``LETTER_CODE_DAYS``);
    * unconfirmed new addresses of active subscribers (a changed e-mail never confirmed) → removed;
    * expired codes → removed;
    * unsubscribed subscribers whose last change is older than ``NOTIFY_UNSUBSCRIBED_DAYS`` → erased.

    Returns the number of subscribers and addresses removed.
    """
    from subscribers.gdpr import erase_subscriber

    now = now or utcnow()
    cutoff = now - timedelta(hours=unconfirmed_hours())
    confirmed = select(col(ChannelAddress.subscriber_id)).where(col(ChannelAddress.confirmed_at).is_not(None))
    waiting_letter = select(col(ConfirmationCode.subscriber_id)).where(
        col(ConfirmationCode.channel) == "letter", col(ConfirmationCode.expires_at) > now
    )
    pending_ids = (
        session.execute(
            select(col(Subscriber.id)).where(
                col(Subscriber.status) == "pending",
                col(Subscriber.updated_at) < cutoff,
                col(Subscriber.id).not_in(confirmed),
                col(Subscriber.id).not_in(waiting_letter),
            )
        )
        .scalars()
        .all()
    )
    old_cutoff = now - timedelta(days=unsubscribed_days())
    gone_ids = (
        session.execute(
            select(col(Subscriber.id)).where(
                col(Subscriber.status) == "unsubscribed", col(Subscriber.updated_at) < old_cutoff
            )
        )
        .scalars()
        .all()
    )
    for sid in [*pending_ids, *gone_ids]:
        erase_subscriber(session, sid, actor="system", reason="retention")
    stale = (
        session.execute(
            select(ChannelAddress)
            .join(Subscriber, col(Subscriber.id) == col(ChannelAddress.subscriber_id))
            .where(
                col(ChannelAddress.confirmed_at).is_(None),
                col(Subscriber.status) == "active",
                col(Subscriber.updated_at) < cutoff,
            )
        )
        .scalars()
        .all()
    )
    for row in stale:
        audit(session, row.subscriber_id, "address-expired", "system", f"channel={row.channel}")
        session.delete(row)
    session.execute(delete(ConfirmationCode).where(col(ConfirmationCode.expires_at) < now))
    session.flush()
    return len(pending_ids) + len(gone_ids) + len(stale)
