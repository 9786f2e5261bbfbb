"""Keeping every worker's match index current from the ``subscription-changes`` stream.

Each worker reads *all* of that topic (no consumer group): at start it notes the topic's end,
loads a snapshot from the database, then applies every change record from the noted end onwards.
Records carry full state, so one applied twice does no harm. Before matching an event, the worker
waits until it has applied everything that was on the topic when the event arrived, so a
subscription confirmed before an event is always taken into account.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import ConsumerStoppedError

from notify.kafka import SUBSCRIPTION_CHANGES
from topics.matcher import MatchIndex

log = logging.getLogger(__name__)


class ChangeFollower:
    def __init__(
        self,
        bootstrap: str,
        index: MatchIndex,
        snapshot: Callable[[], Iterable[dict]],
        fetch_max_wait_ms: int = 100,
    ):
        self.bootstrap = bootstrap
        self.fetch_max_wait_ms = fetch_max_wait_ms  # see Settings.kafka_fetch_max_wait_ms
        self.index = index
        self.snapshot = snapshot
        self.ready = asyncio.Event()
        self.applied = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._tps: list[TopicPartition] = []
        self._stopping = False

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self.fetch_max_wait_ms,
        )
        await consumer.start()
        self._consumer = consumer
        partitions = consumer.partitions_for_topic(SUBSCRIPTION_CHANGES)
        if not partitions:
            await consumer._client.force_metadata_update()  # topic created moments ago
            partitions = consumer.partitions_for_topic(SUBSCRIPTION_CHANGES) or {0}
        self._tps = [TopicPartition(SUBSCRIPTION_CHANGES, p) for p in sorted(partitions)]
        consumer.assign(self._tps)
        ends = await consumer.end_offsets(self._tps)
        records = await asyncio.to_thread(lambda: list(self.snapshot()))
        for i, record in enumerate(records):
            self.index.apply(record)
            if i % 20_000 == 19_999:
                await asyncio.sleep(0)  # keep heartbeats flowing while a big city loads
        for tp in self._tps:
            consumer.seek(tp, ends[tp])
        log.info("match index loaded: %d subscribers, %d subscriptions", len(self.index), self.index.subscriptions)
        self.ready.set()

    async def run(self) -> None:
        assert self._consumer is not None
        while not self._stopping:
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            except ConsumerStoppedError:
                return  # the worker is shutting down
            for messages in batches.values():
                for message in messages:
                    try:
                        self.index.apply(json.loads(message.value))
                        self.applied += 1
                    except (ValueError, KeyError, TypeError) as exc:
                        log.error("ignored malformed subscription change at offset %s: %s", message.offset, exc)

    async def caught_up(self, timeout: float = 10.0) -> bool:
        """Wait until everything on the topic right now has been applied."""
        assert self._consumer is not None
        ends = await self._consumer.end_offsets(self._tps)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            positions = [await self._position(tp) for tp in self._tps]
            if all(pos >= ends[tp] for pos, tp in zip(positions, self._tps, strict=True)):
                return True
            await asyncio.sleep(0.02)
        log.warning("subscription changes not caught up after %.0f s; matching anyway", timeout)
        return False

    async def _position(self, tp: TopicPartition) -> int:
        assert self._consumer is not None
        return await self._consumer.position(tp)

    async def stop(self) -> None:
        self._stopping = True
        if self._consumer is not None:
            await self._consumer.stop()
