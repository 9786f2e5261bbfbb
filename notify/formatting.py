"""Dates and times the way German readers expect them (12. März 2027, 9:30 Uhr)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Europe/Berlin")
MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip


def _as_local(value: date | datetime | str) -> date | datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(CITY_TZ)
    return value


def german_date(value: date | datetime | str) -> str:
    """``12. März 2027`` — the written-out month is easier to read than 12.03.2027."""
    d = _as_local(value)
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


def german_datetime(value: datetime | str) -> str:
    """``12. März 2027 um 9:30 Uhr``."""
    d = _as_local(value)
    if not isinstance(d, datetime):
        return german_date(d)
    return f"{german_date(d)} um {d.hour}:{d.minute:02d} Uhr"
