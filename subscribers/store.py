"""Reading and writing subscribers: upsert by address, full-state change records, index snapshots.

A *change record* carries the whole matching state of one subscriber (subscriptions and ordered
channels), never a delta, so applying the same record twice — or out of a replayed stream — gives
the same index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from subscribers.models import ChannelAddress, Subscriber, Subscription, utcnow


@dataclass
class Contact:
    """What a sender needs to reach one subscriber on one channel — nothing more."""

    subscriber_id: int
    public_id: str
    name: str | None
    language: str
    profile: str
    addresses: dict[str, str] = field(default_factory=dict)
    frequency: str = "immediate"
    quiet_start: str | None = None
    quiet_end: str | None = None
    service_code: str | None = None  # the short code for the settings page (subscribers/settings_code.py)


def find_by_address(session: Session, channel: str, address: str) -> Subscriber | None:
    return (
        session.execute(
            select(Subscriber)
            .join(ChannelAddress, col(ChannelAddress.subscriber_id) == col(Subscriber.id))
            .where(col(ChannelAddress.channel) == channel, col(ChannelAddress.address) == address)
        )
        .scalars()
        .first()
    )


def save_subscriber(
    session: Session,
    subscriber: Subscriber,
    addresses: list[tuple[str, str]],
    subscriptions: Iterable[tuple[str, str]],
    *,
    confirmed: bool = True,
) -> bool:
    """Write a subscriber's addresses (in preference order) and subscriptions; True if anything changed."""
    session.add(subscriber)
    session.flush()
    sid = subscriber.id
    assert sid is not None  # flushed just above
    wanted_subs = set(subscriptions)
    have_subs = {
        (t, d)
        for t, d in session.execute(
            select(col(Subscription.topic_id), col(Subscription.district_id)).where(
                col(Subscription.subscriber_id) == sid
            )
        ).all()
    }
    have_addr = [
        (c, a)
        for c, a in session.execute(
            select(col(ChannelAddress.channel), col(ChannelAddress.address))
            .where(col(ChannelAddress.subscriber_id) == sid)
            .order_by(col(ChannelAddress.priority))
        ).all()
    ]
    changed = False
    if have_addr != addresses:
        session.execute(delete(ChannelAddress).where(col(ChannelAddress.subscriber_id) == sid))
        now = utcnow() if confirmed else None
        for priority, (channel, address) in enumerate(addresses):
            session.add(
                ChannelAddress(subscriber_id=sid, channel=channel, address=address, priority=priority, confirmed_at=now)
            )
        changed = True
    if have_subs != wanted_subs:
        for topic, district in have_subs - wanted_subs:
            session.execute(
                delete(Subscription).where(
                    col(Subscription.subscriber_id) == sid,
                    col(Subscription.topic_id) == topic,
                    col(Subscription.district_id) == district,
                )
            )
        for topic, district in wanted_subs - have_subs:
            session.add(Subscription(subscriber_id=sid, topic_id=topic, district_id=district))
        changed = True
    if changed:
        subscriber.updated_at = utcnow()
    session.flush()
    return changed


def change_record(session: Session, subscriber_id: int) -> dict:
    """The full matching state of one subscriber, as published on ``subscription-changes``."""
    sub = session.get(Subscriber, subscriber_id)
    if sub is None or sub.status != "active":
        return {"subscriber_id": subscriber_id, "active": False, "subscriptions": [], "channels": []}
    subs = session.execute(
        select(col(Subscription.topic_id), col(Subscription.district_id)).where(
            col(Subscription.subscriber_id) == subscriber_id
        )
    ).all()
    channels = session.execute(
        select(col(ChannelAddress.channel))
        .where(col(ChannelAddress.subscriber_id) == subscriber_id, col(ChannelAddress.confirmed_at).is_not(None))
        .order_by(col(ChannelAddress.priority))
    ).all()
    return {
        "subscriber_id": subscriber_id,
        "active": True,
        "subscriptions": sorted([t, d] for t, d in subs),
        "channels": [c for (c,) in channels],
        "frequency": sub.frequency,
    }


def iter_snapshot(session: Session, batch: int = 50_000) -> Iterator[dict]:
    """Change records for every active subscriber, streamed in id order (for a worker's start)."""
    channels: dict[int, list[str]] = {}
    for sid, channel in session.execute(
        select(col(ChannelAddress.subscriber_id), col(ChannelAddress.channel))
        .join(Subscriber, col(Subscriber.id) == col(ChannelAddress.subscriber_id))
        .where(col(Subscriber.status) == "active", col(ChannelAddress.confirmed_at).is_not(None))
        .order_by(col(ChannelAddress.subscriber_id), col(ChannelAddress.priority))
    ).yield_per(batch):
        channels.setdefault(sid, []).append(channel)
    current: dict | None = None
    for sid, topic, district in session.execute(
        select(col(Subscription.subscriber_id), col(Subscription.topic_id), col(Subscription.district_id))
        .join(Subscriber, col(Subscriber.id) == col(Subscription.subscriber_id))
        .where(col(Subscriber.status) == "active")
        .order_by(col(Subscription.subscriber_id))
    ).yield_per(batch):
        if current is None or current["subscriber_id"] != sid:
            if current is not None:
                yield current
            current = {"subscriber_id": sid, "active": True, "subscriptions": [], "channels": channels.get(sid, [])}
        current["subscriptions"].append([topic, district])
    if current is not None:
        yield current


def contacts(session: Session, subscriber_ids: Iterable[int]) -> dict[int, Contact]:
    """Names, preferences and confirmed addresses for the given subscribers, in two queries."""
    ids = list(set(subscriber_ids))
    out: dict[int, Contact] = {}
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        columns = (col(Subscriber.id), col(Subscriber.public_id), col(Subscriber.name), col(Subscriber.language),
                   col(Subscriber.profile), col(Subscriber.frequency), col(Subscriber.quiet_start),
                   col(Subscriber.quiet_end), col(Subscriber.service_code))  # fmt: skip
        for sid, public_id, name, language, profile, frequency, quiet_start, quiet_end, code in session.execute(
            select(*columns).where(col(Subscriber.id).in_(part))
        ).all():
            out[sid] = Contact(sid, public_id, name, language, profile, frequency=frequency,
                               quiet_start=quiet_start, quiet_end=quiet_end, service_code=code)  # fmt: skip
        for sid, channel, address in session.execute(
            select(col(ChannelAddress.subscriber_id), col(ChannelAddress.channel), col(ChannelAddress.address))
            .where(col(ChannelAddress.subscriber_id).in_(part), col(ChannelAddress.confirmed_at).is_not(None))
            .order_by(col(ChannelAddress.subscriber_id), col(ChannelAddress.priority))
        ).all():
            if sid in out:
                out[sid].addresses[channel] = address
    return out


def catch_up_records(session: Session, since: datetime, present: Iterable[int]) -> list[dict]:
    """Change records a worker that loaded an older index needs: everyone changed since ``since``
    (``updated_at``), and everyone in ``present`` (the loaded index) who is no longer active or
    no longer there at all (erased)."""
    from subscribers.bulk import change_records

    changed = set(session.execute(select(col(Subscriber.id)).where(col(Subscriber.updated_at) >= since)).scalars())
    active = set(session.execute(select(col(Subscriber.id)).where(col(Subscriber.status) == "active")).scalars())
    gone = set(present) - active
    return change_records(session, sorted(changed | gone))
