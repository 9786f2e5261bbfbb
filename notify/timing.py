"""When to send: quiet hours for SMS and push, and the cut-off of daily and weekly digests.

All rules are in the city's local time (Europe/Berlin), so "quiet from 22:00 to 07:00" means what
the resident means, summer and winter.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from notify.formatting import CITY_TZ, german_date

QUIET_CHANNELS = ("sms", "push")


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def quiet_until(quiet_start: str | None, quiet_end: str | None, now: datetime) -> datetime | None:
    """The moment the resident's quiet hours end, if ``now`` falls inside them; otherwise None.

    Quiet hours may run over midnight (22:00–07:00). Equal start and end means no quiet hours.
    """
    if not quiet_start or not quiet_end:
        return None
    start, end = _parse(quiet_start), _parse(quiet_end)
    if start == end:
        return None
    local = now.astimezone(CITY_TZ)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if (start < end or t < end) else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=CITY_TZ)


def digest_cutoff(frequency: str, now: datetime, hour: int = 7) -> datetime:
    """The most recent digest moment at or before ``now``: daily at ``hour``, weekly Mondays.

    Everything collected before the cut-off goes into that digest; later items wait for the next.
    """
    local = now.astimezone(CITY_TZ)
    today = datetime.combine(local.date(), time(hour), tzinfo=CITY_TZ)
    cutoff = today if local >= today else today - timedelta(days=1)
    if frequency == "weekly":
        cutoff -= timedelta(days=cutoff.weekday())  # back to Monday
        if cutoff > local:
            cutoff -= timedelta(days=7)
    return cutoff


def digest_label(frequency: str, cutoff: datetime) -> tuple[str, str]:
    """A stable id for the period, and the title residents see."""
    if frequency == "weekly":
        year, week, _ = cutoff.isocalendar()
        return f"{year}-W{week:02d}", f"Ihre Nachrichten der Woche bis {german_date(cutoff)}"
    return cutoff.date().isoformat(), f"Ihre Nachrichten bis {german_date(cutoff)}"
