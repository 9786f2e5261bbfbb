"""The rights of the data subject (GDPR Art. 15, 17, 20): everything we hold as JSON, and erasure.

Erasure deletes the subscriber, their addresses, subscriptions, consents and codes. What must stay
for the service to work — the delivery ledger (nothing is sent twice) and the audit trail — keeps
no personal data: their subscriber number is replaced by a random negative pseudonym that no
other row knows, and ledger error texts (which may quote an address) are cleared.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from subscribers.confirm_codes import ConfirmationCode
from subscribers.consent import AuditEntry, ConsentRecord, audit
from subscribers.models import (
    ChannelAddress,
    Delivery,
    DeliveryAttempt,
    EventRecord,
    Subscriber,
    Subscription,
    utcnow,
)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _row(obj: Any, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: _iso(v) for k, v in obj.model_dump().items() if k not in drop}


def export_subscriber(session: Session, subscriber_id: int) -> dict[str, Any]:
    """Everything held about one person, as JSON-ready data."""
    sub = session.get(Subscriber, subscriber_id)
    if sub is None:
        raise LookupError(subscriber_id)
    addresses = (
        session.execute(
            select(ChannelAddress)
            .where(col(ChannelAddress.subscriber_id) == sub.id)
            .order_by(col(ChannelAddress.priority))
        )
        .scalars()
        .all()
    )
    subscriptions = (
        session.execute(
            select(Subscription)
            .where(col(Subscription.subscriber_id) == sub.id)
            .order_by(col(Subscription.topic_id), col(Subscription.district_id))
        )
        .scalars()
        .all()
    )
    consents = (
        session.execute(
            select(ConsentRecord).where(col(ConsentRecord.subscriber_id) == sub.id).order_by(col(ConsentRecord.id))
        )
        .scalars()
        .all()
    )
    trail = (
        session.execute(select(AuditEntry).where(col(AuditEntry.subscriber_ref) == sub.id).order_by(col(AuditEntry.id)))
        .scalars()
        .all()
    )
    deliveries = session.execute(
        select(Delivery, col(EventRecord.title), col(EventRecord.type))
        .join(EventRecord, col(EventRecord.id) == col(Delivery.event_pk))
        .where(col(Delivery.subscriber_id) == sub.id)
        .order_by(col(Delivery.created_at))
    ).all()
    failed: dict[str, list[dict[str, Any]]] = {}
    for attempt in session.execute(
        select(DeliveryAttempt)
        .where(col(DeliveryAttempt.delivery_id).in_([d.id for d, _, _ in deliveries]))
        .order_by(col(DeliveryAttempt.id))
    ).scalars():
        failed.setdefault(attempt.delivery_id, []).append(_row(attempt, drop=("id", "delivery_id")))
    return {
        "exported_at": utcnow().isoformat(),
        "subscriber": _row(sub, drop=("id",)),
        "addresses": [_row(a, drop=("id", "subscriber_id")) for a in addresses],
        "subscriptions": [_row(s, drop=("id", "subscriber_id")) for s in subscriptions],
        "consents": [
            {**_row(c, drop=("id", "subscriber_id", "scope")), "scope": json.loads(c.scope)} for c in consents
        ],
        "audit": [_row(e, drop=("id", "subscriber_ref")) for e in trail],
        "deliveries": [
            {
                **_row(d, drop=("subscriber_id", "readability", "event_pk")),
                "event_title": title,
                "event_type": type_,
                "failed_attempts": failed.get(d.id, []),
            }
            for d, title, type_ in deliveries
        ],
    }


def new_pseudonym() -> int:
    """A random negative number: never a real subscriber id, and not derived from one."""
    return -(secrets.randbelow(2**31 - 2) + 1)


def erase_subscriber(session: Session, subscriber_id: int, *, actor: str = "resident", reason: str = "") -> int | None:
    """Erase one person; returns the pseudonym their ledger and audit rows now carry (None if unknown)."""
    if session.get(Subscriber, subscriber_id) is None:
        return None
    pseudonym = new_pseudonym()
    # What providers answered may quote the address (e.g. "550 <anna@…> unknown"): gone too.
    session.execute(
        update(DeliveryAttempt)
        .where(
            col(DeliveryAttempt.delivery_id).in_(
                select(col(Delivery.id)).where(col(Delivery.subscriber_id) == subscriber_id)
            )
        )
        .values(error=None)
    )
    session.execute(
        update(Delivery)
        .where(col(Delivery.subscriber_id) == subscriber_id)
        .values(subscriber_id=pseudonym, last_error=None)
    )
    session.execute(
        update(AuditEntry).where(col(AuditEntry.subscriber_ref) == subscriber_id).values(subscriber_ref=pseudonym)
    )
    for table, column in (
        (ConfirmationCode, col(ConfirmationCode.subscriber_id)),
        (ConsentRecord, col(ConsentRecord.subscriber_id)),
        (Subscription, col(Subscription.subscriber_id)),
        (ChannelAddress, col(ChannelAddress.subscriber_id)),
    ):
        session.execute(delete(table).where(column == subscriber_id))
    session.execute(delete(Subscriber).where(col(Subscriber.id) == subscriber_id))
    audit(session, pseudonym, "erased", actor, reason)
    session.flush()
    return pseudonym
