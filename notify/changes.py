"""Keeping every worker's match index current from the ``subscription-changes`` stream.

Each worker reads *all* of that topic (no consumer group): at start it notes the topic's end,
loads the index, then applies every change record from the noted end onwards. Records carry full
state, so one applied twice does no harm. Before matching an event, the worker waits until it has
applied everything that was on the topic when the event arrived, so a subscription confirmed
before an event is always taken into account.

Loading the index from the database takes about 20 s for a million subscriptions, so the worker
also keeps a **snapshot file** of its index (``topics.index_snapshot``) with the stream position
it reflects, written every few minutes and at shutdown. At start it loads that file (a fraction
of a second), replays the stream from the saved position to the noted end, and then asks the
database for everyone changed since the snapshot (``updated_at``) or no longer active — changes
that never reached the stream (a broker that was away) are not missed. The snapshot is only
used if the stream still holds that position: the same partitions, the saved offsets between the
log's start and end, and the record before each saved offset the one that was applied (its
timestamp). Otherwise — a broker with memory storage restarted, a topic recreated — the worker
loads from the database as before.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import ConsumerStoppedError, KafkaError

from notify.kafka import SUBSCRIPTION_CHANGES
from topics import index_snapshot
from topics.matcher import MatchIndex

# Changes committed this long before the snapshot was taken still count as "since" (a transaction
# that set updated_at, then committed after the snapshot; clocks of several hosts).
CATCH_UP_MARGIN = timedelta(minutes=2)

log = logging.getLogger(__name__)


class ChangeFollower:
    def __init__(
        self,
        bootstrap: str,
        index: MatchIndex,
        snapshot: Callable[[], Iterable[dict]],
        fetch_max_wait_ms: int = 100,
        *,
        snapshot_file: Path | None = None,
        snapshot_every_s: float = 300.0,
        changed_since: Callable[[datetime, list[int]], Iterable[dict]] | None = None,
    ):
        self.bootstrap = bootstrap
        self.snapshot_file = snapshot_file
        self.snapshot_every_s = snapshot_every_s
        self.changed_since = changed_since  # (since, ids in the loaded index) → change records
        self.started_from = ""  # "snapshot" or "database", once started
        self._next: dict[TopicPartition, int] = {}  # first offset not yet applied, per partition
        self._stamp: dict[TopicPartition, int] = {}  # timestamp of the record just before it
        self._written_at = time.monotonic()
        self._applied_at_write = -1
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
        if await self._start_from_snapshot(ends):
            self.started_from = "snapshot"
        else:
            records = await asyncio.to_thread(lambda: list(self.snapshot()))
            for i, record in enumerate(records):
                self.index.apply(record)
                if i % 20_000 == 19_999:
                    await asyncio.sleep(0)  # keep heartbeats flowing while a big city loads
            for tp in self._tps:
                consumer.seek(tp, ends[tp])
                self._next[tp] = ends[tp]
            self.started_from = "database"
        log.info("match index loaded from the %s: %d subscribers, %d subscriptions", self.started_from,
                 len(self.index), self.index.subscriptions)  # fmt: skip
        self.ready.set()

    async def _start_from_snapshot(self, ends: dict[TopicPartition, int]) -> bool:
        """Load the snapshot file, replay the stream from its position to ``ends``, then catch up
        from the database. False (index untouched) when the snapshot cannot be used."""
        if self.snapshot_file is None or self.changed_since is None or self.snapshot_every_s <= 0:
            return False
        meta = await asyncio.to_thread(index_snapshot.read_meta, self.snapshot_file)
        if meta is None:
            return False
        reason = await self._unusable(meta, ends)
        if reason:
            log.info("match index snapshot not used: %s", reason)
            return False
        if await asyncio.to_thread(index_snapshot.load, self.index, self.snapshot_file) is None:
            return False
        assert self._consumer is not None
        offsets = {int(p): int(o) for p, o in meta["offsets"].items()}
        for tp in self._tps:
            self._consumer.seek(tp, offsets[tp.partition])
            self._next[tp] = offsets[tp.partition]
        replayed = 0
        while any(self._next[tp] < ends[tp] for tp in self._tps):
            batches = await self._consumer.getmany(timeout_ms=1000, max_records=5000)
            if not batches:
                positions = [await self._consumer.position(tp) for tp in self._tps]
                if all(pos >= ends[tp] for pos, tp in zip(positions, self._tps, strict=True)):
                    break
            replayed += self._apply_batches(batches)
        since = datetime.fromisoformat(meta["taken_at"]) - CATCH_UP_MARGIN
        present = self.index.subscriber_ids().tolist()
        records = await asyncio.to_thread(lambda: list(self.changed_since(since, present)))  # type: ignore[misc]
        for record in records:
            self.index.apply(record)
        log.info("match index snapshot of %s: %d changes replayed from the stream, %d from the database",
                 meta["taken_at"], replayed, len(records))  # fmt: skip
        return True

    async def _unusable(self, meta: dict, ends: dict[TopicPartition, int]) -> str:
        """Why the stream no longer holds the snapshot's position ('' when it does)."""
        assert self._consumer is not None
        offsets = meta.get("offsets") or {}
        if sorted(int(p) for p in offsets) != [tp.partition for tp in self._tps] or "taken_at" not in meta:
            return "other partitions"
        begins = await self._consumer.beginning_offsets(self._tps)
        for tp in self._tps:  # a position for each, so nothing is fetched from the log's start
            self._consumer.seek(tp, ends[tp])
        for tp in self._tps:
            offset = int(offsets[str(tp.partition)])
            if not begins[tp] <= offset <= ends[tp]:
                return f"partition {tp.partition}: offset {offset} outside {begins[tp]}..{ends[tp]}"
            stamp = (meta.get("stamps") or {}).get(str(tp.partition))
            if stamp is not None and offset > begins[tp]:
                self._consumer.seek(tp, offset - 1)
                try:
                    record = await asyncio.wait_for(self._consumer.getone(tp), 5)
                except (TimeoutError, KafkaError) as exc:
                    return f"partition {tp.partition}: record {offset - 1} not readable ({exc!r})"
                if record.offset != offset - 1 or record.timestamp != stamp:
                    return f"partition {tp.partition}: record {offset - 1} is another one"
        return ""

    def _apply_batches(self, batches: dict) -> int:
        applied = 0
        for tp, messages in batches.items():
            for message in messages:
                try:
                    self.index.apply(json.loads(message.value))
                    applied += 1
                except (ValueError, KeyError, TypeError) as exc:
                    log.error("ignored malformed subscription change at offset %s: %s", message.offset, exc)
                self._next[tp] = message.offset + 1
                self._stamp[tp] = message.timestamp
        return applied

    async def write_snapshot(self) -> int:
        """Write the index and the position it reflects; returns the file's size (0: none written).
        The arrays are taken on the event loop, between two batches of changes, so index and
        position agree; the file is written in a thread."""
        if self.snapshot_file is None or self.snapshot_every_s <= 0 or not self._next:
            return 0
        arrays_of = self.index.export_arrays()
        meta = {
            "taken_at": datetime.now(UTC).isoformat(),
            "offsets": {str(tp.partition): offset for tp, offset in self._next.items()},
            "stamps": {str(tp.partition): stamp for tp, stamp in self._stamp.items()},
            "subscribers": len(self.index),
        }
        self._written_at, self._applied_at_write = time.monotonic(), self.applied
        path = self.snapshot_file
        return await asyncio.to_thread(index_snapshot.save_arrays, arrays_of, path, meta)

    async def _maybe_write_snapshot(self) -> None:
        due = time.monotonic() - self._written_at >= self.snapshot_every_s
        if self.snapshot_every_s > 0 and due and self.applied != self._applied_at_write:
            try:
                await self.write_snapshot()
            except OSError as exc:
                log.warning("match index snapshot not written: %s", exc)

    async def run(self) -> None:
        assert self._consumer is not None
        while not self._stopping:
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            except ConsumerStoppedError:
                return  # the worker is shutting down
            self.applied += self._apply_batches(batches)
            await self._maybe_write_snapshot()

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
        if self._consumer is not None and self.ready.is_set():
            try:
                await self.write_snapshot()  # the next start loads it in a fraction of a second
            except OSError as exc:
                log.warning("match index snapshot not written: %s", exc)
        if self._consumer is not None:
            await self._consumer.stop()
