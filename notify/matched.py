"""Which of a resident's own subscriptions an event matched — what their footer and their
"Nur dieses Thema abbestellen" link must name.

The match index answers "who is concerned" with subscriber ids only; the subscriptions that
made each one concerned are worked out here, at sending time, with the same set arithmetic
(``Catalogue.subscription_topics_for`` / ``subscription_districts_for``). A resident who chose
*Parken* in *Buer* and gets an event about *Baustellen + Parken* is told "Parken in Buer", and
her link removes exactly that subscription — never the event's first topic, which she may
never have had.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session, col

from subscribers.models import Subscription
from topics.catalogue import CITYWIDE, Catalogue

Pair = tuple[str, str]  # (topic id, district id)


def subscriptions_of(session: Session, subscriber_ids: Iterable[int]) -> dict[int, list[Pair]]:
    """Every subscription of the given residents, in one query per 900 ids."""
    ids = list(set(subscriber_ids))
    out: dict[int, list[Pair]] = {}
    for start in range(0, len(ids), 900):
        rows = session.execute(
            select(col(Subscription.subscriber_id), col(Subscription.topic_id), col(Subscription.district_id))
            .where(col(Subscription.subscriber_id).in_(ids[start : start + 900]))
            .order_by(col(Subscription.subscriber_id), col(Subscription.topic_id), col(Subscription.district_id))
        ).all()  # fmt: skip
        for sid, topic, district in rows:
            out.setdefault(sid, []).append((topic, district))
    return out


def matched_subscriptions(catalogue: Catalogue, topics: list[str], area, subscriptions: Iterable[Pair]) -> list[Pair]:
    """The resident's subscriptions that an event about ``topics`` in ``area`` matched."""
    topic_keys = catalogue.subscription_topics_for(list(topics))
    district_keys = catalogue.subscription_districts_for(CITYWIDE if area == CITYWIDE else list(area))
    return [(t, d) for t, d in subscriptions if t in topic_keys and d in district_keys]


# "the whole city" in the frame's language (the city's own name stays): the English footer said
# "Verkehr in ganz Gelsenkirchen".
CITYWIDE_WORDS = {"de": "ganz {city}", "en": "all of {city}", "tr": "tüm {city}"}


def describe(catalogue: Catalogue, pairs: Iterable[Pair], language: str = "de") -> str:
    """ "Parken in Buer, Abfall in ganz Gelsenkirchen": what the footer says was ordered.

    Topic and district names are the city pack's (German); only the joining word follows the
    template's language.
    """
    joiner = {"tr": " – "}.get(language, " in ")
    parts = []
    for topic, district in pairs:
        name = catalogue.topics[topic].name if topic in catalogue.topics else topic
        where = CITYWIDE_WORDS.get(language, CITYWIDE_WORDS["de"]).format(city=catalogue.city) if district == CITYWIDE else (
            catalogue.districts[district].name if district in catalogue.districts else district)  # fmt: skip
        parts.append(f"{name}{joiner}{where}")
    return ", ".join(parts)


def link_value(pairs: Iterable[Pair]) -> str:
    """The subscriptions as they travel in a signed unsubscribe link: ``parken:buer,abfall:citywide``."""
    return ",".join(f"{t}:{d}" for t, d in pairs)


def parse_link_value(value: str) -> list[Pair]:
    pairs = []
    for item in value.split(","):
        topic, sep, district = item.partition(":")
        if sep and topic and district:
            pairs.append((topic, district))
    return pairs
