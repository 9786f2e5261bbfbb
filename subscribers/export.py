"""Subscribers as CSV rows in the import format, so an export can be imported again unchanged."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from subscribers.importer import CHANNEL_COLUMN
from subscribers.models import ChannelAddress, Subscriber, Subscription


def export_rows(session: Session) -> list[dict[str, str]]:
    subs: dict[int, list[tuple[str, str]]] = {}
    for sid, topic, district in session.execute(
        select(col(Subscription.subscriber_id), col(Subscription.topic_id), col(Subscription.district_id))
    ).all():
        subs.setdefault(sid, []).append((topic, district))
    addresses: dict[int, list[tuple[str, str]]] = {}
    for sid, channel, address in session.execute(
        select(col(ChannelAddress.subscriber_id), col(ChannelAddress.channel), col(ChannelAddress.address)).order_by(
            col(ChannelAddress.subscriber_id), col(ChannelAddress.priority)
        )
    ).all():
        addresses.setdefault(sid, []).append((channel, address))
    rows = []
    for sub in session.execute(
        select(Subscriber).where(col(Subscriber.status) == "active").order_by(col(Subscriber.id))
    ).scalars():
        pairs = subs.get(sub.id, [])
        by_channel = dict(addresses.get(sub.id, []))
        row = {
            "email": by_channel.get("email", ""),
            "topics": ";".join(sorted({t for t, _ in pairs})),
            "districts": ";".join(sorted({d for _, d in pairs})),
            "channels": ";".join(c for c, _ in addresses.get(sub.id, [])),
            "name": sub.name or "",
            "phone": by_channel.get("sms", ""),
            "push": by_channel.get("push", ""),
            "postal_address": by_channel.get("letter", "").replace("\n", " | "),
            "language": sub.language,
            "profile": sub.profile,
            "frequency": sub.frequency,
        }
        assert set(CHANNEL_COLUMN.values()) <= set(row)
        rows.append(row)
    return rows
