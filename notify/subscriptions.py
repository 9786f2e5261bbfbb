"""Telling every worker that subscriptions changed: full-state records on ``subscription-changes``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from notify.kafka import SUBSCRIPTION_CHANGES, Publisher
from notify.settings import Settings
from subscribers.bulk import change_records
from subscribers.db import session_scope


def load_changes(db_url: str, subscriber_ids: Iterable[int]) -> list[dict]:
    with session_scope(db_url) as session:
        return change_records(session, list(subscriber_ids))  # a few queries per 5,000, not 3 per person


async def publish_changes(settings: Settings, subscriber_ids: Iterable[int], publisher: Publisher | None = None) -> int:
    """Publish the current state of these subscribers; returns how many records were sent."""
    records = await asyncio.to_thread(load_changes, settings.db_url, list(subscriber_ids))
    if not records:
        return 0
    own = publisher is None
    publisher = publisher or Publisher(settings.kafka_bootstrap, settings.partitions)
    try:
        return await publisher.send_many_json(SUBSCRIPTION_CHANGES, ((str(r["subscriber_id"]), r) for r in records))
    finally:
        if own:
            await publisher.close()
