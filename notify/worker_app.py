"""The worker's Faust app, its topics and the state its agents and timers share.

``notify/worker.py`` holds the agents, ``notify/worker_timers.py`` the periodic jobs and
``notify/worker_boot.py`` the start-up; all of them use the objects built here, once per process.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any

import faust
from aiokafka.partitioner import murmur2
from faust.tables import TableManager

from notify import kafka as topics_
from notify.changes import ChangeFollower
from notify.channel_watch import ChannelWatch
from notify.circuit import Circuits
from notify.dispatch import Dispatcher
from notify.kafka import Publisher
from notify.pipeline import Runtime
from notify.settings import get_settings
from subscribers.db import session_scope
from subscribers.models import utcnow
from subscribers.store import catch_up_records, iter_snapshot
from topics.matcher import MatchIndex

log = logging.getLogger("stadtbote.worker")


class StadtboteApp(faust.App):
    """Faust's app, which also starts the worker's own start-up (``boot``) as soon as it starts.

    Faust starts ``@app.task``s only after the consumer group is joined (about half the session
    timeout on Tansu: 5 s); the match index, the database and the language data do not need the
    group, so they load meanwhile."""

    boot: Callable[[], Coroutine[Any, Any, None]] | None = None

    async def on_first_start(self) -> None:
        await super().on_first_start()
        if self.boot is not None:
            self.add_future(self.boot())


class NoTablesManager(TableManager):
    """Faust's table manager without its fixed one-second wait before the consumer subscribes
    (it gives tables time to register; this app has none)."""

    async def on_start(self) -> None:
        if not self.should_stop:
            await self._update_channels()
            await self.recovery.start()


class WorkerState:
    """What start-up hands to the agents and timers."""

    def __init__(self) -> None:
        self.dispatcher: Dispatcher | None = None  # set once start-up is done (language data loaded)
        self.dispatcher_ready = asyncio.Event()  # delivery agents wait for it
        self.warm = asyncio.Event()  # the language data are loaded: ingest waits for it
        self.joined = asyncio.Event()  # Faust has joined the group and started the streams
        self.joined_at = self.warm_at = 0.0  # when, in seconds since the process started


settings = get_settings()
rt = Runtime(settings)
index = MatchIndex(rt.catalogue)
state = WorkerState()

topics_.limit_faust_fetch_wait(settings.kafka_fetch_max_wait_ms)
app = StadtboteApp(
    "stadtbote",
    broker=settings.kafka_url,
    store="memory://",
    topic_partitions=settings.partitions,
    web_enabled=False,
    autodiscover=False,
    consumer_auto_offset_reset="earliest",
    broker_commit_every=200,
    producer_linger_ms=5,
    # A worker killed with -9 leaves the group within seconds, so its partitions move on quickly.
    broker_session_timeout=settings.kafka_session_timeout_s,
    broker_heartbeat_interval=max(1.0, settings.kafka_session_timeout_s / 5),
    broker_rebalance_timeout=max(20.0, settings.kafka_session_timeout_s * 2),
    TableManager=NoTablesManager,
)

city_events = app.topic(topics_.CITY_EVENTS, value_serializer="raw", key_serializer="raw")
accepted = app.topic(topics_.EVENTS_ACCEPTED, value_serializer="json", key_serializer="raw")
dead_letter = app.topic(topics_.DEAD_LETTER, value_serializer="json", key_serializer="raw", partitions=1)
channel_topics = {
    ch: app.topic(name, value_serializer="json", key_serializer="raw") for ch, name in topics_.DELIVERIES.items()
}
urgent_topic = app.topic(topics_.DELIVERIES_URGENT, value_serializer="json", key_serializer="raw")


def _snapshot():
    with session_scope(rt.db_url) as session:
        yield from iter_snapshot(session)


def _changed_since(since, present: list[int]) -> list[dict]:
    with session_scope(rt.db_url) as session:
        return catch_up_records(session, since, present)


publisher = Publisher(settings.kafka_bootstrap, settings.partitions)  # announcements, index updates
follower = ChangeFollower(
    settings.kafka_bootstrap, index, _snapshot, fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
    snapshot_file=settings.data_dir / "index" / "match-index.npz", snapshot_every_s=settings.index_snapshot_every_s,
    changed_since=_changed_since,
)  # fmt: skip
circuits = Circuits(settings.circuit_threshold, max_probe_s=settings.circuit_max_probe_s)


async def to_dead_letter(stage: str, reason: str, record: object, key: bytes | None = None) -> None:
    value = {"stage": stage, "reason": reason, "record": record, "at": utcnow().isoformat()}
    await dead_letter.send(key=key, value=value)


CHUNK = 200


def _partition(subscriber_id: int) -> int:
    """The partition Kafka's default partitioner picks for this resident's key (murmur2), so
    chunked and single delivery messages of one resident share a partition and stay in order."""
    return (murmur2(str(subscriber_id).encode()) & 0x7FFFFFFF) % settings.partitions


async def publish_chunks(pending: list[tuple[str, int, str]], urgent: bool) -> None:
    """One message per partition and up to CHUNK deliveries instead of one message per delivery:
    a large event costs a few dozen Kafka messages, not tens of thousands."""
    chunks: dict[tuple[str, int], list[list]] = defaultdict(list)
    for did, sid, channel in pending:
        chunks[("urgent" if urgent else channel, _partition(sid))].append([did, channel])
    for (target, partition), items in chunks.items():
        topic = urgent_topic if target == "urgent" else channel_topics[target]
        for start in range(0, len(items), CHUNK):
            await topic.send(value={"deliveries": items[start : start + CHUNK]}, partition=partition)


async def republish(delivery_id: str, channel: str, subscriber_id: int) -> None:
    await channel_topics[channel].send(
        key=str(subscriber_id).encode(), value={"delivery_id": delivery_id, "channel": channel}
    )


watch = ChannelWatch(rt, circuits, lambda items: publish_chunks(items, urgent=False))
