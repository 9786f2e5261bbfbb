"""The event register and the delivery ledger: how "nothing sent twice, nothing lost" is kept.

- An event is registered once under (source, id); a replay finds the existing row.
- A delivery row is written *before* anything is sent, under a deterministic id
  (source + id × subscriber × channel) that is the primary key.
- A sender first *claims* a row (pending/retry → sending, in one UPDATE), so two workers, a
  restarted worker or a re-delivered Kafka record cannot both send it. After sending, the row gets
  its final status.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from subscribers.models import Delivery, EventRecord, utcnow

CLAIMABLE = ("pending", "retry")
FINAL = ("sent", "failed", "dead", "held", "skipped", "bundled", "too_late", "handed_over")
WAITING = ("digest", "deferred", "waiting")
# SQLModel sets ``__table__`` on every table model but does not declare it for type checkers.
_DELIVERY_TABLE: Table = Delivery.__table__  # type: ignore[attr-defined]


def delivery_id(source: str, event_id: str, subscriber_id: int, channel: str) -> str:
    raw = f"{source}\x1f{event_id}\x1f{subscriber_id}\x1f{channel}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


@dataclass(frozen=True)
class Registered:
    record: EventRecord
    new: bool


def register_event(
    session: Session,
    *,
    source: str,
    event_id: str,
    type: str,
    title: str,
    urgency: str,
    payload: str,
) -> Registered:
    """Insert the event once; on a replay return the row that is already there."""
    query = select(EventRecord).where(col(EventRecord.source) == source, col(EventRecord.event_id) == event_id)
    existing = session.execute(query).scalars().first()
    if existing is not None:
        return Registered(existing, False)
    record = EventRecord(source=source, event_id=event_id, type=type, title=title, urgency=urgency, payload=payload)
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:  # another worker registered it between our select and insert
        return Registered(session.execute(query).scalars().one(), False)
    return Registered(record, True)


def _insert_ignore(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(_DELIVERY_TABLE)
    if dialect == "sqlite":
        return sqlite.insert(_DELIVERY_TABLE)
    raise NotImplementedError(f"ledger needs INSERT … ON CONFLICT, not available on {dialect}")


def write_deliveries(
    session: Session,
    event: EventRecord,
    targets: Iterable[tuple[int, str]],
    *,
    urgent: bool = False,
    chunk: int = 5000,
) -> list[tuple[str, int, str]]:
    """Write one ledger row per (subscriber, channel); return those still waiting to be sent.

    Rows that exist already are left as they are (INSERT … ON CONFLICT DO NOTHING). Returned are
    (delivery id, subscriber id, channel) for every target whose row is still claimable, so a
    re-processed event re-publishes unsent deliveries and nothing else.
    """
    now = utcnow()
    rows = [
        {
            "id": delivery_id(event.source, event.event_id, sub_id, channel),
            "event_pk": event.id,
            "subscriber_id": int(sub_id),
            "channel": channel,
            "urgent": urgent,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for sub_id, channel in targets
    ]
    stmt = _insert_ignore(session).on_conflict_do_nothing(index_elements=["id"])
    for start in range(0, len(rows), chunk):  # executemany: compiled once, not once per row
        session.connection().execute(stmt, rows[start : start + chunk])
    pending = session.execute(
        select(col(Delivery.id), col(Delivery.subscriber_id), col(Delivery.channel)).where(
            col(Delivery.event_pk) == event.id, col(Delivery.status).in_(CLAIMABLE)
        )
    ).all()
    return [(r[0], r[1], r[2]) for r in pending]


def claim(session: Session, ids: Sequence[str]) -> set[str]:
    """Atomically move claimable rows to ``sending``; returns the ids this caller now owns."""
    if not ids:
        return set()
    result = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(list(ids)), col(Delivery.status).in_(CLAIMABLE))
        .values(status="sending", attempts=Delivery.attempts + 1, updated_at=utcnow())
        .returning(col(Delivery.id))
    )
    return {row[0] for row in result}


def finish(
    session: Session,
    delivery: str,
    status: str,
    *,
    error: str | None = None,
    message_id: str | None = None,
    amstad: float | None = None,
    readability: str | None = None,
    at: datetime | None = None,
) -> None:
    values: dict = {"status": status, "updated_at": at or utcnow(), "last_error": error}
    if status == "sent":
        values["sent_at"] = at or utcnow()
    if message_id is not None:
        values["message_id"] = message_id
    if amstad is not None:
        values["amstad"] = amstad
    if readability is not None:
        values["readability"] = readability
    session.execute(update(Delivery).where(col(Delivery.id) == delivery).values(**values))


def finish_many(session: Session, results: list[dict]) -> None:
    """Record many outcomes in one executemany (keys: id, status, last_error, and optionally
    message_id, amstad, readability, sent_at)."""
    if not results:
        return
    now = utcnow()
    table = _DELIVERY_TABLE
    columns = ("status", "last_error", "message_id", "amstad", "readability", "sent_at", "not_before", "attempts", "version")
    for present in {tuple(c for c in columns if c in r) for r in results}:
        batch = [
            {"b_id": r["id"], "updated_at": now, **{f"b_{c}": r[c] for c in present}}
            for r in results
            if tuple(c for c in columns if c in r) == present
        ]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(updated_at=bindparam("updated_at"), **{c: bindparam(f"b_{c}") for c in present})
        )
        session.connection().execute(stmt, batch)


def status_counts(session: Session, event_pk: int | None = None) -> dict[str, int]:
    stmt = select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
    if event_pk is not None:
        stmt = stmt.where(col(Delivery.event_pk) == event_pk)
    return {status: count for status, count in session.execute(stmt).all()}
