"""How many residents an announcement reaches, counted in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, distinct, func, select
from sqlmodel import Session

from subscribers.announcements import Announcement
from subscribers.models import CHANNELS, ChannelAddress, Subscriber, Subscription
from topics.catalogue import Catalogue


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


def readers(session: Session, catalogue: Catalogue, ann: Announcement) -> dict[tuple[str, str], int]:
    """How many of the audience read which language and level: ``{("de", "leicht"): 23, …}``.

    Same people as :func:`audience` (active, matched, with a confirmed address), each once.
    """
    matched = (
        select(Subscription.subscriber_id)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(
            Subscriber.status == "active",
            Subscription.topic_id.in_(sorted(catalogue.subscription_topics_for(ann.topic_list))),
            Subscription.district_id.in_(sorted(catalogue.subscription_districts_for(ann.area_value))),
        )  # fmt: skip
    )
    confirmed = select(ChannelAddress.subscriber_id).where(
        ChannelAddress.confirmed_at.is_not(None), ChannelAddress.channel.in_(CHANNELS)
    )
    rows = session.execute(
        select(Subscriber.language, Subscriber.profile, func.count(distinct(Subscriber.id)))
        .where(Subscriber.id.in_(matched), Subscriber.id.in_(confirmed))
        .group_by(Subscriber.language, Subscriber.profile)
    ).all()
    return {(language, profile): n for language, profile, n in rows}
