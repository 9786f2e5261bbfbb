"""Whether a printed letter can still arrive while its message is valid.

A letter leaves with the day's print batch and takes ``NOTIFY_LETTER_DAYS_MIN`` to
``NOTIFY_LETTER_DAYS_MAX`` working days (default 1–3; Deutsche Post delivers Monday to Saturday,
public holidays are not counted). It can be read at the earliest around noon of the first of
those days. A message whose ``valid_until`` ends before that — or a warning without one, after
``NOTIFY_URGENT_LIFETIME_HOURS`` (default 12) — is not printed: the ledger says ``too_late``
("nicht rechtzeitig erreichbar") and staff see how many.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from notify.events import CityEvent
from notify.formatting import CITY_TZ, german_date, german_datetime
from notify.settings import Settings

DELIVERY_WEEKDAYS = frozenset(range(6))  # Monday (0) to Saturday (5)
EARLIEST_ARRIVAL = time(12, 0)  # letters are in the letter box around noon, not at midnight


def add_delivery_days(day: date, days: int) -> date:
    """The ``days``-th delivery day after ``day`` (Sundays do not count)."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() in DELIVERY_WEEKDAYS:
            days -= 1
    return day


def earliest_arrival(now: datetime, settings: Settings) -> datetime:
    """When a letter that joins today's batch can be read at the earliest (city time)."""
    today = now.astimezone(CITY_TZ).date()
    return datetime.combine(add_delivery_days(today, settings.letter_days_min), EARLIEST_ARRIVAL, CITY_TZ)


def valid_until(event: CityEvent, settings: Settings, now: datetime) -> datetime | None:
    """The message's own end, or for a warning without one its configured lifetime."""
    if event.data.valid_until is not None:
        return event.data.valid_until
    if event.urgent:
        return (event.time or now) + timedelta(hours=settings.urgent_lifetime_hours)
    return None


def letter_too_late(event: CityEvent, settings: Settings, now: datetime) -> str | None:
    """None if a letter can still arrive in time; otherwise the reason (German, for staff)."""
    until = valid_until(event, settings, now)
    arrival = earliest_arrival(now, settings)
    if until is None or until >= arrival:
        return None
    latest = add_delivery_days(arrival.date(), max(settings.letter_days_max - settings.letter_days_min, 0))
    return (f"nicht rechtzeitig erreichbar: gilt bis {german_datetime(until)}, ein Brief käme "
            f"frühestens am {german_date(arrival.date())}, spätestens am {german_date(latest)}")  # fmt: skip
