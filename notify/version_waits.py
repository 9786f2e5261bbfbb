"""Deliveries that wait for their version (policy ``wait_for_version``, see notify/versions.py).

A delivery waits in the ledger with status ``waiting``, ``version`` = the version it waits for and
``not_before`` = the end of the wait. It goes out

- when the version arrives: the same event (source and id) comes again with more versions and
  otherwise the same data — :func:`accept_update` keeps the new payload and releases the
  deliveries of that event (an announcement sends such an update when staff add a version);
- or when the wait is over: the worker's timer puts it back to ``pending`` and the dispatcher
  sends the nearest version, with the sentence that says so.

:func:`waiting_summary` is what the staff pages show: "wartet auf Leichte Sprache: 12 Personen".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlmodel import Session

from notify.events import CityEvent
from notify.versions import wanted_name
from subscribers.models import Delivery, EventRecord, utcnow


def only_versions_changed(old: CityEvent, new: CityEvent) -> bool:
    """True when ``new`` is ``old`` with other versions: everything else in ``data`` is the same.

    A changed title, text, area or topic under the same id stays a duplicate (a correction has
    its own id), so an update can never re-send the base text to anyone.
    """
    keep = {"versions"}
    same_rest = old.data.model_dump(exclude=keep) == new.data.model_dump(exclude=keep)
    return same_rest and (old.data.versions or []) != (new.data.versions or [])


def accept_update(session: Session, record: EventRecord, event: CityEvent) -> list[tuple[str, int, str]] | None:
    """Keep the new versions of an already registered event and release what waited for them.

    Returns the released deliveries ``(id, subscriber, channel)``; ``None`` when ``event`` is not
    such an update (then it is an ordinary duplicate).
    """
    from subscribers.retention import REMOVED_PAYLOAD

    if record.payload == REMOVED_PAYLOAD:  # past the retention period: an ordinary duplicate
        return None
    if not only_versions_changed(CityEvent.model_validate_json(record.payload), event):
        return None
    record.payload = event.to_json()
    rows = session.execute(
        update(Delivery)
        .where(Delivery.event_pk == record.id, Delivery.status == "waiting")
        .values(status="pending", updated_at=utcnow(), last_error=None)
        .returning(Delivery.id, Delivery.subscriber_id, Delivery.channel)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


@dataclass(frozen=True)
class Waiting:
    event_pk: int
    source: str
    event_id: str
    title: str
    version: str  # "de/leicht"
    people: int

    @property
    def label(self) -> str:
        """What staff read: „wartet auf Leichte Sprache: 12 Personen“."""
        who = "1 Person" if self.people == 1 else f"{self.people} Personen"
        return f"wartet auf {wanted_name(self.version)}: {who}"


def waiting_summary(session: Session, event_pks: list[int] | None = None) -> list[Waiting]:
    """Waiting deliveries per event and version, counted in people (one person, several channels: once)."""
    query = (
        select(EventRecord.id, EventRecord.source, EventRecord.event_id, EventRecord.title, Delivery.version,
               func.count(func.distinct(Delivery.subscriber_id)))
        .join(EventRecord, EventRecord.id == Delivery.event_pk)
        .where(Delivery.status == "waiting")
        .group_by(EventRecord.id, EventRecord.source, EventRecord.event_id, EventRecord.title, Delivery.version)
        .order_by(EventRecord.id, Delivery.version)
    )  # fmt: skip
    if event_pks is not None:
        query = query.where(Delivery.event_pk.in_(event_pks))
    return [Waiting(pk, source, eid, title, version or "", n) for pk, source, eid, title, version, n in session.execute(query).all()]  # fmt: skip
