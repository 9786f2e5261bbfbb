"""Telling every worker that subscriptions changed: full-state records on ``subscription-changes``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka.errors import KafkaError

from notify.kafka import SUBSCRIPTION_CHANGES, BrokerDown, Publisher
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


class ChangeStream:
    """Publishes change records from a background thread while a long import goes on.

    ``submit`` takes the ids of one committed chunk and returns at once (unless more than
    ``max_pending`` chunks are still on their way: then it waits, so memory stays bounded);
    ``close`` waits until the broker has every record. A broker that does not answer stops the
    publishing, not the import: ``error`` then says why (the workers read the database at their
    next start).
    """

    def __init__(self, settings: Settings, max_pending: int = 4):
        import threading

        self.settings = settings
        self.max_pending = max_pending
        self.sent = 0
        self.error: BrokerDown | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="change-stream", daemon=True)
        self._thread.start()
        self._publisher = Publisher(settings.kafka_bootstrap, settings.partitions)
        self._pending: list = []

    def submit(self, subscriber_ids: list[int]) -> None:
        if self.error is not None:
            return
        self._pending.append(asyncio.run_coroutine_threadsafe(self._send(list(subscriber_ids)), self._loop))
        while len(self._pending) > self.max_pending:
            self._settle(self._pending.pop(0))

    async def _send(self, ids: list[int]) -> int:
        if self.error is not None:
            return 0
        try:
            return await publish_changes(self.settings, ids, self._publisher)
        except (BrokerDown, KafkaError, OSError, TimeoutError) as exc:
            self.error = exc if isinstance(exc, BrokerDown) else BrokerDown(f"{type(exc).__name__}: {exc}")
            return 0

    def _settle(self, future) -> None:
        self.sent += future.result()

    def close(self) -> int:
        """Wait for everything submitted; returns how many records the broker took."""
        try:
            for future in self._pending:
                self._settle(future)
            asyncio.run_coroutine_threadsafe(self._publisher.close(), self._loop).result(30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
        return self.sent
