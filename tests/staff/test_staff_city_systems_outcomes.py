"""The staff overview of messages from other city systems says how many were reached and how
many were not: a warning whose only letter would arrive too late read "zugestellt (3)"."""

from __future__ import annotations

from notify.web.staff.city_systems import city_system_events
from subscribers.db import session_scope
from subscribers.models import Delivery, EventRecord, Subscriber


def test_a_warning_not_reached_by_letter_is_not_shown_as_delivered(db_url):
    with session_scope(db_url) as s:
        people = [Subscriber(language="de") for _ in range(3)]
        s.add_all(people)
        event = EventRecord(source="/dwd", event_id="W-1", type="t", title="Warnung: Starkregen", payload="{}",
                            status="matched", deliveries=3)  # fmt: skip
        s.add(event)
        s.flush()
        for n, (person, channel, status) in enumerate(
            zip(people, ("email", "sms", "letter"), ("sent", "sent", "too_late"), strict=True)
        ):
            s.add(Delivery(id=f"w-{n}", event_pk=event.id, subscriber_id=person.id, channel=channel, status=status))
    with session_scope(db_url) as s:
        (row,) = city_system_events(s)
    assert row["status"] == "verteilt"  # the worker distributed it; that is not "zugestellt"
    assert row["delivered"] == 2 and row["missed"] == 1
