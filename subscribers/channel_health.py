"""How each channel's provider is doing, as the workers see it: for ``/healthz`` and the dashboard.

Each worker writes one row per channel whose circuit changed (``notify/circuit.py``), and refreshes
the rows of a disturbed channel while it stays so. Readers take the worst state among fresh rows:
a worker that died stops refreshing, and its old "disturbed" row no longer counts after
``FRESH``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Field, Session, SQLModel, col

from subscribers.models import utcnow

FRESH = timedelta(minutes=2)


class ChannelHealth(SQLModel, table=True):
    __tablename__ = "channel_health"

    channel: str = Field(primary_key=True, max_length=8)
    owner: str = Field(primary_key=True, max_length=64)  # the worker that saw it
    state: str = Field(max_length=12)  # closed | open | half_open
    since: datetime | None = None  # disturbed since
    last_error: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class ChannelState:
    channel: str
    ok: bool
    since: datetime | None = None
    error: str | None = None


def write(session: Session, owner: str, channel: str, state: str, since: datetime | None, error: str | None) -> None:
    session.execute(
        delete(ChannelHealth).where(col(ChannelHealth.channel) == channel, col(ChannelHealth.owner) == owner)
    )
    session.add(ChannelHealth(channel=channel, owner=owner, state=state, since=since,
                              last_error=(error or "")[:500] or None))  # fmt: skip


def current(session: Session, channels: tuple[str, ...] = ("email", "sms", "push", "letter")) -> list[ChannelState]:
    """Every channel's state; disturbed when any worker's fresh row says so (earliest ``since``)."""
    rows = session.execute(
        select(ChannelHealth).where(
            col(ChannelHealth.updated_at) >= utcnow() - FRESH, col(ChannelHealth.state) != "closed"
        )
    ).scalars()
    worst: dict[str, ChannelHealth] = {}
    for row in rows:
        if row.channel not in worst or (
            row.since and worst[row.channel].since and row.since < worst[row.channel].since
        ):
            worst[row.channel] = row
    out = []
    for channel in channels:
        row = worst.get(channel)
        out.append(
            ChannelState(channel, True) if row is None else ChannelState(channel, False, row.since, row.last_error)
        )
    return out
