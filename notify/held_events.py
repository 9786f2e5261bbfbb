"""Events the plain-language gate held at ingest, released by a person after reading the report.

An event whose own text fails a hold rule (and has no versions) stops at ingest: nobody gets it
and it is not in the public archive. Releasing it does what ingest would have done: the event is
published in the archive and marked "accepted" for matching (the worker's sweep re-sends accepted
events that were never matched, so a broker outage now loses nothing). Who released it is kept
(``ReleasedEvent``). Each delivery is still checked for its reader's profile and channel; one
held there is released per delivery as before (notify/announcements/held.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlmodel import Session

from notify.events import CityEvent
from notify.kafka import EVENTS_ACCEPTED, BrokerDown
from notify.publishing.store import publish
from subscribers.announcements import ReleasedEvent
from subscribers.models import EventRecord
from topics.catalogue import Catalogue

log = logging.getLogger(__name__)


class NotHeld(ValueError):
    """The event is not (or no longer) held; the message is plain German."""


def release_event(session: Session, record: EventRecord, released_by: str, catalogue: Catalogue) -> CityEvent:
    """Release a held event: archive, accepted, remembered as released. Returns the event to hand
    to matching (``events-accepted``)."""
    if record.status != "held":
        raise NotHeld("Diese Nachricht ist nicht angehalten.")
    event = CityEvent.model_validate_json(record.payload)
    if event.expired():
        raise NotHeld("Diese Nachricht ist nicht mehr gültig. Sie wird nicht mehr gesendet.")
    if session.get(ReleasedEvent, record.id) is None:
        session.add(ReleasedEvent(event_pk=record.id, released_by=released_by))
    record.status = "accepted"
    publish(session, record, event, catalogue)  # the public archive, when the event is public
    return event


async def send_to_matching(publisher: Any, event_pk: int, event: CityEvent) -> bool:
    """Hand a released event to matching (``events-accepted``). False when the broker is down: the
    event is "accepted" already, so the worker's sweep sends it as soon as the broker is back."""
    value = json.dumps({"event_pk": event_pk, "event": event.to_json()}).encode()
    try:
        await publisher.send(EVENTS_ACCEPTED, value, key=event.key.encode())
    except BrokerDown as exc:
        log.warning("released event %s waits for the sweep: %s", event_pk, exc)
        return False
    return True
