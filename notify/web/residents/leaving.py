"""Leaving and data rights, as functions the pages and the API share: what a per-topic link names,
unsubscribing (all, or the subscriptions a link names), export and erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from notify.matched import describe, link_value, parse_link_value
from notify.pipeline import Runtime
from notify.web.residents.service import _subscriber, read_link
from subscribers import consent
from subscribers.db import session_scope
from subscribers.gdpr import erase_subscriber, export_subscriber
from subscribers.models import Subscription


def link_subject(rt: Runtime, payload: dict[str, Any]) -> str | None:
    """What an unsubscribe link names, for the page ("Parken in Buer"); None: everything."""
    if pairs := parse_link_value(str(payload.get("subs") or "")):
        return describe(rt.catalogue, pairs)
    topic = payload.get("topic") or payload.get("t")
    return rt.catalogue.topics[topic].name if topic in rt.catalogue.topics else None


def unsubscribe_db(rt: Runtime, token: str) -> tuple[int, str | None, bool]:
    """All topics, or the subscriptions (or, in older links, the one topic) the link names.

    Returns (subscriber id, what was removed for the page or None for everything, whether any
    subscription is left: removing the last one unsubscribes the resident altogether).
    """
    payload = read_link(rt, token, ("unsubscribe",))
    topic = payload.get("topic") or payload.get("t")
    cat = rt.catalogue
    with session_scope(rt.db_url) as session:
        sub = _subscriber(session, payload["s"])
        if pairs := parse_link_value(str(payload.get("subs") or "")):
            label = _unsubscribe_pairs(rt, session, sub, pairs)
            return sub.id, label, sub.status != "unsubscribed"
        if not topic or topic not in cat.topics:
            consent.unsubscribe_all(session, sub, "resident")
            return sub.id, None, False
        remove = set(cat.descendants_or_self(topic))
        rows = session.execute(select(Subscription).where(Subscription.subscriber_id == sub.id)).scalars().all()
        for row in rows:
            if row.topic_id in remove:
                session.delete(row)
            elif row.topic_id in cat.ancestors_or_self(topic):
                # a whole Lebenslage was chosen: keep its other topics
                session.delete(row)
                for leaf in cat.descendants_or_self(row.topic_id):
                    if leaf not in remove and leaf != row.topic_id and leaf in cat.leaf_topics():
                        session.add(Subscription(subscriber_id=sub.id, topic_id=leaf, district_id=row.district_id))
        session.flush()
        left = session.execute(select(Subscription.id).where(Subscription.subscriber_id == sub.id)).first()
        if left is None:
            consent.unsubscribe_all(session, sub, "resident", f"last topic={topic}")
        else:
            consent.audit(session, sub.id, "topic-unsubscribed", "resident", f"topic={topic}")
        return sub.id, cat.topics[topic].name, left is not None


def _unsubscribe_pairs(rt: Runtime, session, sub, pairs: list[tuple[str, str]]) -> str | None:
    """Remove exactly the subscriptions an e-mail's "Nur dieses Thema abbestellen" names."""
    wanted = set(pairs)
    rows = session.execute(select(Subscription).where(Subscription.subscriber_id == sub.id)).scalars().all()
    removed = [(r.topic_id, r.district_id) for r in rows if (r.topic_id, r.district_id) in wanted]
    for row in rows:
        if (row.topic_id, row.district_id) in wanted:
            session.delete(row)
    session.flush()
    label = describe(rt.catalogue, removed or pairs)
    if len(removed) == len(rows):
        consent.unsubscribe_all(session, sub, "resident", f"last subscriptions={link_value(removed)}")
        return label if removed else None
    if removed:
        consent.audit(session, sub.id, "topic-unsubscribed", "resident", f"subscriptions={link_value(removed)}")
    return label


def export_db(rt: Runtime, token: str) -> dict[str, Any]:
    payload = read_link(rt, token, ("export", "manage"))
    with session_scope(rt.db_url) as session:
        sub = _subscriber(session, payload["s"])
        consent.audit(session, sub.id, "exported", "resident")
        session.flush()
        return export_subscriber(session, sub.id)


def erase_db(rt: Runtime, token: str) -> int:
    payload = read_link(rt, token, ("delete", "manage"))
    with session_scope(rt.db_url) as session:
        sub = _subscriber(session, payload["s"])
        sid = sub.id
        erase_subscriber(session, sid, actor="resident", reason="request")
        return sid
