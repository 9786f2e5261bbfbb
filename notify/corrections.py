"""Corrections reach those who got the original: the ledger knows them.

An event that names an earlier one — the CloudEvents extension attribute ``corrects`` (one id;
staff corrections, CAP Update/Cancel, moved or cancelled meetings) and optionally ``references``
(more ids, space-separated: a CAP update chain) — is planned for:

- everyone who got (or is about to get) one of the referenced events of the same source, on the
  channel it reached them on, and
- everyone the event concerns today (its topics × area), unless ``correction`` is ``"cancel"``:
  an all-clear or a cancellation goes only to those who got the original.

Somebody in both groups is reached once, on the channel matching chose for them now.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlmodel import Session, col

from notify.events import CityEvent
from subscribers.models import Delivery, EventRecord

# Rows whose resident got the original, or will: a correction must follow them.
REACHED = ("sent", "bundled", "pending", "sending", "retry", "digest", "deferred")


def referenced_ids(event: CityEvent) -> list[str]:
    extra = event.model_extra or {}
    ids = [str(extra["corrects"])] if extra.get("corrects") else []
    ids += str(extra.get("references") or "").split()
    return list(dict.fromkeys(i for i in ids if i and i != event.id))


def is_cancel(event: CityEvent) -> bool:
    return str((event.model_extra or {}).get("correction", "")).lower() == "cancel"


def original_recipients(session: Session, event: CityEvent) -> list[tuple[int, str]]:
    """(subscriber, channel) pairs the referenced events reached, oldest first."""
    ids = referenced_ids(event)
    if not ids:
        return []
    originals = select(col(EventRecord.id)).where(
        col(EventRecord.source) == event.source, col(EventRecord.event_id).in_(ids)
    )
    rows = session.execute(
        select(col(Delivery.subscriber_id), col(Delivery.channel))
        .where(col(Delivery.event_pk).in_(originals), col(Delivery.status).in_(REACHED))
        .order_by(col(Delivery.created_at))
    ).all()
    return list(dict.fromkeys((int(sid), str(channel)) for sid, channel in rows))


def with_original_recipients(
    session: Session, event: CityEvent, targets: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """``targets`` (channel → subscriber ids) widened by those who got the original."""
    if not referenced_ids(event):
        return targets
    originals = original_recipients(session, event)
    base: dict[str, list[int]] = {} if is_cancel(event) else {ch: ids.tolist() for ch, ids in targets.items()}
    present = {sid for ids in base.values() for sid in ids}
    for sid, channel in originals:
        if is_cancel(event) or sid not in present:
            base.setdefault(channel, []).append(sid)
    return {ch: np.unique(np.asarray(ids, dtype=np.int64)) for ch, ids in base.items() if ids}
