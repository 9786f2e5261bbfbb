"""Each channel's provider as the workers see it: ``/healthz`` and the staff notice
"E-Mail-Versand gestört seit 14:02" (state written by the workers, ``subscribers/channel_health``)."""

from __future__ import annotations

from datetime import UTC, datetime

from notify.formatting import CITY_TZ
from notify.pipeline import Runtime
from subscribers import channel_health
from subscribers.db import session_scope

CHANNEL_WORDS = {"email": "E-Mail-Versand", "sms": "SMS-Versand", "push": "Push-Versand", "letter": "Briefversand"}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives UTC without zone


def states(rt: Runtime) -> list[channel_health.ChannelState]:
    try:
        with session_scope(rt.db_url) as session:
            return channel_health.current(session)
    except Exception:  # no table yet, database away: health must still answer
        return []


def report(rt: Runtime) -> dict:
    """``{"status": "ok"|"degraded", "channels": {"email": {"status": "ok"|"disturbed", "since"?}}}``"""
    channels = {}
    for s in states(rt):
        entry: dict = {"status": "ok" if s.ok else "disturbed"}
        if s.since:
            entry["since"] = _aware(s.since).isoformat(timespec="seconds")
        if s.error:
            entry["error"] = s.error
        channels[s.channel] = entry
    ok = all(c["status"] == "ok" for c in channels.values())
    return {"status": "ok" if ok else "degraded", "channels": channels}


def notices(rt: Runtime) -> list[str]:
    """One German sentence per disturbed channel, for the top of every staff page."""
    out = []
    for s in states(rt):
        if s.ok:
            continue
        words = CHANNEL_WORDS.get(s.channel, s.channel)
        if s.since:
            local = _aware(s.since).astimezone(CITY_TZ)
            today = datetime.now(CITY_TZ).date() == local.date()
            at = f"{local:%H:%M}" if today else f"{local:%d.%m.} {local:%H:%M}"
            out.append(f"{words} gestört seit {at}. Die Nachrichten warten und gehen danach raus.")
        else:
            out.append(f"{words} gestört. Die Nachrichten warten und gehen danach raus.")
    return out
