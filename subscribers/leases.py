"""Leased claims: a delivery in ``sending`` belongs to one worker, and only for a short while.

A worker claims rows with its owner id and a lease of tens of seconds, renews the lease while it
still works on them, and records each outcome as soon as the provider answers. A worker that dies
(``kill -9``, a lost machine) stops renewing; any other worker — or the same one restarted — finds
the expired lease and puts the row back to ``retry`` within a minute. So a crash leaves in doubt
only the sends whose provider transaction was under way, never a whole batch for ten minutes.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session, col

from subscribers.ledger import CLAIMABLE
from subscribers.models import Delivery, utcnow

LEASE_S = 30.0  # how long a claim holds without renewal
# Rows written before leases existed carry no lease: they count as expired after this long.
UNLEASED_STALE = timedelta(minutes=10)


def new_owner() -> str:
    """An owner id unique to this process run: host, pid and a random part (a restarted worker
    with the same pid must not renew its predecessor's leases)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(session: Session, ids: Sequence[str], owner: str, lease_s: float = LEASE_S) -> dict[str, datetime]:
    """Atomically move claimable rows to ``sending`` under ``owner``.

    Returns the ids now owned, each with the time its row was written (the retry horizon counts
    from there).
    """
    if not ids:
        return {}
    now = utcnow()
    result = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(list(ids)), col(Delivery.status).in_(CLAIMABLE))
        .values(
            status="sending",
            attempts=Delivery.attempts + 1,
            updated_at=now,
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_s),
        )  # fmt: skip
        .returning(col(Delivery.id), col(Delivery.created_at))
    )
    # Some databases hand times back without a zone; every time in the ledger is UTC.
    return {row[0]: row[1] if row[1].tzinfo else row[1].replace(tzinfo=UTC) for row in result}


def renew(session: Session, ids: Sequence[str], owner: str, lease_s: float = LEASE_S) -> int:
    """Extend the lease of rows this owner still holds; returns how many were extended."""
    if not ids:
        return 0
    result = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(list(ids)), col(Delivery.status) == "sending", col(Delivery.lease_owner) == owner)
        .values(lease_until=utcnow() + timedelta(seconds=lease_s))
    )
    return getattr(result, "rowcount", 0) or 0  # a CursorResult for an UPDATE


def requeue_expired(session: Session, limit: int = 10_000) -> list[tuple[str, int, str]]:
    """Rows whose owner stopped renewing go back to ``retry``; returns (id, subscriber, channel).

    The attempt stays counted: the send may have happened (that is the one message in doubt).
    """
    now = utcnow()
    expired = and_(
        col(Delivery.status) == "sending",
        or_(
            col(Delivery.lease_until) < now,
            and_(col(Delivery.lease_until).is_(None), col(Delivery.updated_at) < now - UNLEASED_STALE),
        ),
    )
    ids = list(session.execute(select(col(Delivery.id)).where(expired).limit(limit)).scalars())
    if not ids:
        return []
    rows = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids), expired)
        .values(
            status="retry",
            not_before=None,
            updated_at=now,
            lease_owner=None,
            lease_until=None,
            last_error="Lease abgelaufen: der Worker hat nicht mehr geantwortet",
        )  # fmt: skip
        .returning(col(Delivery.id), col(Delivery.subscriber_id), col(Delivery.channel))
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]
