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


def without_mark(title: str, word: str) -> str:
    """The title without a leading "Warnung:" (any case): for frames that say the word themselves."""
    head, sep, rest = title.partition(":")
    return rest.lstrip() if sep and head.strip().casefold() == word.casefold() and rest.strip() else title


def with_mark(title: str, word: str) -> str:
    """ "Warnung: <title>", unless the title starts with that word already (seen: "Warnung: Warnung: …")."""
    return title if title.casefold().startswith(word.casefold()) else f"{word}: {title}"


def german_decimal(value: float | int | None, places: int = 1) -> str:
    """``16.5`` → "16,5", ``16.0`` → "16": a figure as people in Germany write it (comma, no ".0")."""
    if value is None:
        return "–"
    text = f"{float(value):.{places}f}".rstrip("0").rstrip(".") if places else f"{float(value):.0f}"
    return text.replace(".", ",")
