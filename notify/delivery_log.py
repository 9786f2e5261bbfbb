"""The per-recipient delivery log: one row per resident × channel of an announcement or of any
city system's event, with status, the provider's answer and every attempt.

Residents appear under a pseudonym (a keyed hash of their number: stable, but it tells nothing).
Their current address is added only for roles with the ``addresses`` permission, and the caller
audits every such look-up. A search by address or phone finds the resident first (exact match,
so nobody can list addresses by a pattern) and then their rows.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import Table, select
from sqlmodel import Session, col

from subscribers.announcements import aware
from subscribers.delivery_status import GROUP_NAMES, GROUPS, status_label, statuses_of
from subscribers.models import CHANNELS, ChannelAddress, Delivery, DeliveryAttempt, EventRecord

ANNOUNCEMENTS_SOURCE = "/stadtbote/announcements"
EVENT_STATES = {"received": "Angekommen", "accepted": "Angenommen", "matched": "Verteilt",
                "expired": "Abgelaufen", "held": "Angehalten"}
# Groups a person filters by (the dashboard's words) → ledger statuses; one table for every page.
STATUS_GROUPS = {group: statuses_of(group) for group in GROUP_NAMES}
MAX_PAGE = 500
_TABLE: Table = Delivery.__table__  # type: ignore[attr-defined]


class BadFilter(ValueError):
    """A filter value that cannot mean anything; the message is plain German."""


@dataclass(frozen=True)
class Query:
    announcement: int | None = None
    event: str | None = None  # the event's number in the register, or its id
    status: str | None = None
    channel: str | None = None
    q: str | None = None
    after: str | None = None
    limit: int = 50

    def params(self) -> dict[str, Any]:
        out = {"announcement": self.announcement, "event": self.event, "status": self.status,
               "channel": self.channel, "q": self.q}  # fmt: skip
        return {k: v for k, v in out.items() if v not in (None, "")}


def pseudonym(secret: str, subscriber_id: int) -> str:
    digest = hmac.new(secret.encode(), f"resident:{subscriber_id}".encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:10]}"


def address_candidates(q: str) -> list[tuple[str, str]]:
    """(channel, stored form) pairs an entered address or phone number can match."""
    q = q.strip()
    if not q:
        return []
    if "@" in q:
        return [("email", q.lower()), ("email", q)]
    try:
        number = phonenumbers.parse(q, "DE")
    except phonenumbers.NumberParseException:
        return [("push", q)]
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return [("sms", e164), ("sms", q)]


def subscribers_with_address(session: Session, q: str) -> set[int]:
    found: set[int] = set()
    for channel, value in address_candidates(q):
        rows = session.execute(
            select(col(ChannelAddress.subscriber_id)).where(
                col(ChannelAddress.channel) == channel, col(ChannelAddress.address) == value
            )
        ).all()
        found.update(r[0] for r in rows)
    return found


def resolve_event(session: Session, query: Query) -> list[int] | None:
    """The register rows the query is about (None: every event)."""
    pks: list[int] | None = None
    if query.announcement is not None:
        row = session.execute(
            select(col(EventRecord.id)).where(
                col(EventRecord.source) == ANNOUNCEMENTS_SOURCE, col(EventRecord.event_id) == f"ANN-{query.announcement}"
            )
        ).first()
        pks = [row[0]] if row else []
    if query.event:
        by_id = [r[0] for r in session.execute(
            select(col(EventRecord.id)).where(col(EventRecord.event_id).startswith(query.event, autoescape=True))
            .limit(MAX_PAGE)).all()]  # fmt: skip  # "WARN-2027-STARKREGEN-07" finds its "…-07-<run>" ids too
        if query.event.isdigit():
            by_id.append(int(query.event))
        pks = by_id if pks is None else [p for p in pks if p in by_id]
    return pks


def statuses(status: str | None) -> tuple[str, ...] | None:
    if not status:
        return None
    if status in STATUS_GROUPS:
        return STATUS_GROUPS[status]
    if status in GROUPS:
        return (status,)
    raise BadFilter(f"Den Zustand „{status}“ gibt es nicht.")


def rows(session: Session, query: Query, secret: str, show_addresses: bool) -> tuple[list[dict[str, Any]], str | None]:
    """One page of log rows and the id to continue after (None on the last page)."""
    if query.channel and query.channel not in CHANNELS:
        raise BadFilter(f"Den Kanal „{query.channel}“ gibt es nicht.")
    wanted = statuses(query.status)
    version_col = _TABLE.c.get("version")  # added by the versions work; absent on older trees
    columns = [_TABLE.c.id, _TABLE.c.event_pk, _TABLE.c.subscriber_id, _TABLE.c.channel, _TABLE.c.status,
               _TABLE.c.attempts, _TABLE.c.last_error, _TABLE.c.created_at, _TABLE.c.updated_at, _TABLE.c.sent_at]  # fmt: skip
    if version_col is not None:
        columns.append(version_col)
    stmt = select(*columns).order_by(_TABLE.c.id)
    events = resolve_event(session, query)
    if events is not None:
        if not events:
            return [], None
        stmt = stmt.where(_TABLE.c.event_pk.in_(events))
    if wanted:
        stmt = stmt.where(_TABLE.c.status.in_(wanted))
    if query.channel:
        stmt = stmt.where(_TABLE.c.channel == query.channel)
    if query.q:
        people = subscribers_with_address(session, query.q)
        if not people:
            return [], None
        stmt = stmt.where(_TABLE.c.subscriber_id.in_(people))
    if query.after:
        stmt = stmt.where(_TABLE.c.id > query.after)
    limit = max(1, min(query.limit, MAX_PAGE))
    found = session.execute(stmt.limit(limit + 1)).mappings().all()
    more = len(found) > limit
    found = found[:limit]
    ids = [r["id"] for r in found]
    attempts = _attempts(session, ids)
    titles = _event_titles(session, {r["event_pk"] for r in found})
    addresses = _addresses(session, {r["subscriber_id"] for r in found}) if show_addresses else {}
    out = []
    for r in found:
        row: dict[str, Any] = {
            "id": r["id"], "recipient": pseudonym(secret, r["subscriber_id"]), "channel": r["channel"],
            "version": r.get("version"), "status": r["status"], "status_name": status_label(r["channel"], r["status"]),
            "attempts": _attempt_list(attempts.get(r["id"], []), r), "updated_at": aware(r["updated_at"]).isoformat(),
            "event": titles.get(r["event_pk"]),
        }  # fmt: skip
        if r["last_error"]:
            row["error"] = r["last_error"]
        if show_addresses:
            row["address"] = addresses.get((r["subscriber_id"], r["channel"]))
        out.append(row)
    return out, (ids[-1] if more else None)


def _attempts(session: Session, ids: list[str]) -> dict[str, list[DeliveryAttempt]]:
    out: dict[str, list[DeliveryAttempt]] = {}
    if not ids:
        return out
    query = select(DeliveryAttempt).where(col(DeliveryAttempt.delivery_id).in_(ids)).order_by(col(DeliveryAttempt.attempt))
    for a in session.execute(query).scalars():
        out.setdefault(a.delivery_id, []).append(a)
    return out


def _attempt_list(failed: list[DeliveryAttempt], row: Any) -> list[dict[str, Any]]:
    """Every try: the failed ones from the history, then the one that went out."""
    out = [{"attempt": a.attempt, "at": _iso(a.at), "outcome": a.outcome, "error": a.error} for a in failed]
    if row["sent_at"] is not None:
        out.append({"attempt": max([a.attempt for a in failed] + [row["attempts"] - 1, 0]) + 1,
                    "at": _iso(row["sent_at"]), "outcome": "sent", "error": None})  # fmt: skip
    return out


def _iso(value: datetime | None) -> str | None:
    return aware(value).isoformat() if value is not None else None


def _event_titles(session: Session, pks: set[int]) -> dict[int, dict[str, Any]]:
    if not pks:
        return {}
    query = select(EventRecord.id, EventRecord.source, EventRecord.event_id, EventRecord.title).where(
        col(EventRecord.id).in_(pks)
    )
    return {pk: {"id": eid, "source": src, "title": title} for pk, src, eid, title in session.execute(query).all()}


def _addresses(session: Session, people: set[int]) -> dict[tuple[int, str], str]:
    if not people:
        return {}
    query = select(ChannelAddress.subscriber_id, ChannelAddress.channel, ChannelAddress.address).where(
        col(ChannelAddress.subscriber_id).in_(people)
    )
    return {(sid, ch): addr for sid, ch, addr in session.execute(query).all()}


def recent_events(session: Session, limit: int = 100, city_systems_only: bool = False) -> list[EventRecord]:
    query = select(EventRecord).order_by(col(EventRecord.received_at).desc(), col(EventRecord.id).desc()).limit(limit)
    if city_systems_only:
        query = query.where(col(EventRecord.source) != ANNOUNCEMENTS_SOURCE)
    return list(session.execute(query).scalars())
