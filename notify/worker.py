"""The Faust app: thin agents over the plain steps in ``pipeline`` and ``dispatch``.

Faust acknowledges a record even when an agent raises, so every agent catches its own errors and
routes them: bad input → dead-letter topic with the reason; a transient failure → retry after a
back-off; nothing is dropped silently. A periodic sweep re-publishes ledger rows that were left
behind (a worker stopped between writing a row and publishing it, or while a retry was waiting).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import faust
from aiokafka.partitioner import murmur2
from sqlalchemy import select, update

import plainlang
from notify import kafka as topics_
from notify.announcements import publish_due
from notify.changes import ChangeFollower
from notify.channel_watch import ChannelWatch
from notify.channels.letter_sender import close_batch
from notify.channels.registry import build_senders
from notify.circuit import Circuits
from notify.digests import build_due_digests
from notify.dispatch import Dispatcher, Outcome, backoff_seconds
from notify.events import CityEvent, InvalidEvent
from notify.kafka import Publisher
from notify.pipeline import Runtime, ingest, plan
from notify.settings import get_settings
from notify.subscriptions import publish_changes
from subscribers import leases
from subscribers.consent import purge_unconfirmed
from subscribers.db import init_db, session_scope
from subscribers.models import Delivery, EventRecord, utcnow
from subscribers.store import catch_up_records, iter_snapshot
from topics.matcher import MatchIndex

log = logging.getLogger("stadtbote.worker")

settings = get_settings()
rt = Runtime(settings)
index = MatchIndex(rt.catalogue)

topics_.limit_faust_fetch_wait(settings.kafka_fetch_max_wait_ms)
app = faust.App(
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
)

city_events = app.topic(topics_.CITY_EVENTS, value_serializer="raw", key_serializer="raw")
accepted = app.topic(topics_.EVENTS_ACCEPTED, value_serializer="json", key_serializer="raw")
dead_letter = app.topic(topics_.DEAD_LETTER, value_serializer="json", key_serializer="raw", partitions=1)
channel_topics = {
    ch: app.topic(name, value_serializer="json", key_serializer="raw") for ch, name in topics_.DELIVERIES.items()
}
urgent_topic = app.topic(topics_.DELIVERIES_URGENT, value_serializer="json", key_serializer="raw")

publisher = Publisher(settings.kafka_bootstrap, settings.partitions)  # announcements, index updates
follower = ChangeFollower(
    settings.kafka_bootstrap, index, lambda: _snapshot(), fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
    snapshot_file=settings.data_dir / "index" / "match-index.npz", snapshot_every_s=settings.index_snapshot_every_s,
    changed_since=lambda since, present: _changed_since(since, present),
)  # fmt: skip
dispatcher: Dispatcher | None = None
dispatcher_ready = asyncio.Event()  # set once start-up is done: delivery agents wait for it
circuits = Circuits(settings.circuit_threshold, max_probe_s=settings.circuit_max_probe_s)
watch = ChannelWatch(rt, circuits, lambda items: _publish_chunks(items, urgent=False))


def _snapshot():
    with session_scope(rt.db_url) as session:
        yield from iter_snapshot(session)


def _changed_since(since, present: list[int]) -> list[dict]:
    with session_scope(rt.db_url) as session:
        return catch_up_records(session, since, present)


async def to_dead_letter(stage: str, reason: str, record: object, key: bytes | None = None) -> None:
    value = {"stage": stage, "reason": reason, "record": record, "at": utcnow().isoformat()}
    await dead_letter.send(key=key, value=value)


@app.task
async def start_following() -> None:
    global dispatcher
    began = time.monotonic()
    await asyncio.to_thread(init_db, rt.db_url)
    dispatcher = Dispatcher(rt, build_senders(settings), circuits=circuits)
    dispatcher_ready.set()
    await topics_.ensure_topics(settings.kafka_bootstrap, topics_.topic_plan(settings.partitions))
    await follower.start()
    indexed = time.monotonic()
    if ready_file := os.environ.get("NOTIFY_READY_FILE"):
        Path(ready_file).parent.mkdir(parents=True, exist_ok=True)
        Path(ready_file).write_text(f"{len(index)} subscribers\n")
    # Matching needs only the index, so the word lists load after it (a first text checked
    # meanwhile loads what it needs itself).
    await asyncio.to_thread(plainlang.warm_up)
    # The language data and the match index live as long as the worker: keep their millions of
    # objects out of the cyclic garbage collector's full runs (measured: 0.70 → 0.63 ms CPU per
    # e-mail in bench/email.py once the checker's word lists were loaded at start).
    gc.freeze()
    log.info("worker start: index ready after %.1f s (from the %s), word lists after %.1f s more",
             indexed - began, follower.started_from, time.monotonic() - indexed)  # fmt: skip
    await follower.run()


@app.on_before_shutdown.connect
async def _close(app, **kwargs) -> None:
    """Close what the tasks opened, so a stop leaves no dangling connections."""
    await follower.stop()
    await publisher.close()
    if dispatcher is not None:
        await dispatcher.close()
    if _letter_pool is not None:
        _letter_pool.shutdown(wait=False, cancel_futures=True)


@app.agent(city_events)
async def ingest_agent(stream):
    """Validate, register once, check the text; pass new events on to matching."""
    async for key, raw in stream.items():
        try:
            result = await asyncio.to_thread(ingest, raw, rt)
        except InvalidEvent as exc:
            record = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            await to_dead_letter("ingest", exc.detail, {"value": record, "errors": exc.errors}, key)
            continue
        except Exception as exc:  # database down or a bug: keep the record, say why
            log.exception("ingest failed")
            await to_dead_letter("ingest", f"{type(exc).__name__}: {exc}", raw.decode("utf-8", "replace"), key)
            continue
        log.info("event %s from %s: %s", result.event.id, result.event.source, result.outcome)
        for did, sid, channel in result.released:  # their version arrived
            await _republish(did, channel, sid)
        if result.outcome == "new":
            await accepted.send(key=key, value={"event_pk": result.event_pk, "event": result.event.to_json()})


@app.agent(accepted)
async def match_agent(stream):
    """Audience from the in-memory index → ledger rows → one delivery message each."""
    await follower.ready.wait()
    async for value in stream:
        try:
            event = CityEvent.model_validate_json(value["event"])
            await follower.caught_up()
            area = event.data.area if event.data.geometry is None else narrowed_area(event)
            targets = index.deliveries(event.data.topics, area, urgent=event.urgent) if area else {}
            pending = await asyncio.to_thread(plan, rt, event, value["event_pk"], targets)
        except Exception as exc:
            log.exception("match failed")
            await to_dead_letter("match", f"{type(exc).__name__}: {exc}", value)
            continue
        await _publish_chunks(pending, event.urgent)
        log.info("event %s matched %d deliveries", event.id, len(pending))


def narrowed_area(event: CityEvent):
    """The event's area narrowed by its GeoJSON ``geometry``; None: it is not in the city."""
    from topics.geometry import load_city_geometry  # shapely only when an event has a shape

    return load_city_geometry(settings.city).refine(event.data.area, event.data.geometry)


CHUNK = 200


def _partition(subscriber_id: int) -> int:
    """The partition Kafka's default partitioner picks for this resident's key (murmur2), so
    chunked and single delivery messages of one resident share a partition and stay in order."""
    return (murmur2(str(subscriber_id).encode()) & 0x7FFFFFFF) % settings.partitions


async def _publish_chunks(pending: list[tuple[str, int, str]], urgent: bool) -> None:
    """One message per partition and up to CHUNK deliveries instead of one message per delivery:
    a large event costs a few dozen Kafka messages, not tens of thousands."""
    chunks: dict[tuple[str, int], list[list]] = defaultdict(list)
    for did, sid, channel in pending:
        chunks[("urgent" if urgent else channel, _partition(sid))].append([did, channel])
    for (target, partition), items in chunks.items():
        topic = urgent_topic if target == "urgent" else channel_topics[target]
        for start in range(0, len(items), CHUNK):
            await topic.send(value={"deliveries": items[start : start + CHUNK]}, partition=partition)


async def _route(outcomes: list[Outcome]) -> None:
    bounced = {o.subscriber_id for o in outcomes if o.bounced}
    if bounced:  # their matching state changed: tell every worker's index
        await publish_changes(settings, bounced, publisher)
    for o in outcomes:
        if o.status == "retry":
            if o.outage and not circuits.allows(o.channel):
                continue  # waits in the ledger; released when the channel is back (channel_watch)
            delay = (o.not_before - utcnow()).total_seconds() if o.not_before else backoff_seconds(o.attempts)
            asyncio.get_running_loop().call_later(
                max(delay, 0.0),
                lambda o=o: asyncio.ensure_future(_republish(o.delivery_id, o.channel, o.subscriber_id)),
            )
        elif o.status == "dead":
            await to_dead_letter(
                "deliver", o.error or "too many attempts", {"delivery_id": o.delivery_id, "channel": o.channel}
            )
        elif o.next_delivery is not None:
            next_id, subscriber_id, channel = o.next_delivery
            await _republish(next_id, channel, subscriber_id)


async def _republish(delivery_id: str, channel: str, subscriber_id: int) -> None:
    await channel_topics[channel].send(
        key=str(subscriber_id).encode(), value={"delivery_id": delivery_id, "channel": channel}
    )


def _delivery_ids(item: dict) -> list[str]:
    """A delivery message carries one delivery, or a chunk of them (see ``_publish_chunks``).

    Deliveries for a channel whose provider is away are not claimed: they wait in the ledger and
    are released when the channel's circuit closes (``notify/channel_watch.py``)."""
    if "deliveries" in item:
        return [did for did, channel in item["deliveries"] if circuits.allows(channel)]
    return [item["delivery_id"]] if circuits.allows(item.get("channel", "")) else []


async def _deliver(stream) -> None:
    async for batch in stream.take(CHUNK, within=0.05):
        # A restarted worker gets its first records while it still loads: wait, do not drop them
        # (dropped, they would wait for the sweep — minutes).
        await dispatcher_ready.wait()
        ids = [did for item in batch for did in _delivery_ids(item)]
        for start in range(0, len(ids), CHUNK):
            try:
                outcomes = await dispatcher.run_batch(ids[start : start + CHUNK])
            except Exception:
                log.exception("delivery batch failed; the sweep will pick it up again")
                continue
            await _route(outcomes)


for _channel, _topic in channel_topics.items():
    app.agent(_topic, name=f"deliver_{_channel}", concurrency=settings.delivery_concurrency)(_deliver)
app.agent(urgent_topic, name="deliver_urgent", concurrency=settings.delivery_concurrency)(_deliver)


STALE = timedelta(minutes=2)


@app.timer(interval=30.0)
async def sweep() -> None:
    """Re-publish ledger rows left behind; nothing is lost even if a worker stopped mid-way."""
    if dispatcher is None:
        return

    def stale() -> list[tuple[str, int, str]]:
        now = utcnow()
        with session_scope(rt.db_url) as session:
            # A retry whose back-off is over, or a row that was written but never published.
            due_retry = (Delivery.status == "retry") & (
                Delivery.not_before.is_(None) & (Delivery.updated_at < now - timedelta(minutes=2))
                | (Delivery.not_before <= now - timedelta(seconds=10))
            )
            # A big fan-out on a slow machine can keep rows pending (queued in Kafka) for minutes:
            # republish each at most once per STALE, or the sweep floods the worker it waits for.
            stale_pending = (Delivery.status == "pending") & (Delivery.updated_at < now - STALE)
            rows = session.execute(
                select(Delivery.id, Delivery.subscriber_id, Delivery.channel, Delivery.status)
                .where(due_retry | stale_pending)
                .limit(10_000)
            ).all()
            for status, values in (("pending", {"updated_at": now}), ("retry", {"not_before": now + STALE})):
                ids = [r[0] for r in rows if r[3] == status]
                for start in range(0, len(ids), 1000):
                    session.execute(update(Delivery).where(Delivery.id.in_(ids[start : start + 1000])).values(**values))
        return [(r[0], r[1], r[2]) for r in rows]

    def unmatched() -> list[tuple[int, str]]:
        with session_scope(rt.db_url) as session:
            rows = session.execute(
                select(EventRecord.id, EventRecord.payload, EventRecord.source, EventRecord.event_id).where(
                    EventRecord.status == "accepted", EventRecord.received_at < utcnow() - timedelta(minutes=2)
                )
            ).all()
        return [(pk, payload, f"{source}\x1f{event_id}") for pk, payload, source, event_id in rows]

    await _publish_chunks(await asyncio.to_thread(stale), urgent=False)  # chunks, not one message each
    for pk, payload, key in await asyncio.to_thread(unmatched):
        await accepted.send(key=key.encode(), value={"event_pk": pk, "event": payload})


@app.timer(interval=min(10.0, settings.lease_s / 3))
async def keep_leases() -> None:
    """Renew the leases of what this worker sends; re-queue rows whose owner stopped renewing."""
    if dispatcher is None:
        return
    await asyncio.to_thread(dispatcher.renew_leases, dispatcher.in_flight())

    def expired() -> list[tuple[str, int, str]]:
        with session_scope(rt.db_url) as session:
            return leases.requeue_expired(session)

    rows = await asyncio.to_thread(expired)
    if rows:
        log.warning("%d deliveries had an expired lease (a worker stopped); sending them again", len(rows))
    for did, sid, channel in rows:
        await _republish(did, channel, sid)


@app.timer(interval=1.0)
async def channel_watch() -> None:
    """Circuit changes: tell staff (channel_health), probe a paused channel, release its backlog."""
    if dispatcher is not None:
        await watch.tick(dispatcher.owner)


@app.timer(interval=5.0)
async def announcements_due() -> None:
    """Scheduled announcements whose time has come go onto city-events (exactly once)."""
    if dispatcher is not None:
        await publish_due(rt, publisher)


@app.timer(interval=30.0)
async def release_deferred() -> None:
    """Quiet hours are over: deferred SMS and push go out now; so do deliveries whose wait for
    their version is over (they get the nearest version, see notify/versions.py)."""

    def due() -> list[tuple[str, int, str]]:
        with session_scope(rt.db_url) as session:
            rows = session.execute(
                update(Delivery)
                .where(Delivery.status.in_(("deferred", "waiting")), Delivery.not_before <= utcnow())
                .values(status="pending", updated_at=utcnow())
                .returning(Delivery.id, Delivery.subscriber_id, Delivery.channel)
            ).all()
        return [(r[0], r[1], r[2]) for r in rows]

    for did, sid, channel in await asyncio.to_thread(due):
        await _republish(did, channel, sid)


@app.timer(interval=60.0)
async def send_digests() -> None:
    """Daily and weekly digests whose cut-off has passed become one message each."""
    for did, sid, channel in await asyncio.to_thread(build_due_digests, rt, None, settings.digest_hour):
        await _republish(did, channel, sid)


@app.timer(interval=settings.nina_every_s)
async def read_nina() -> None:
    """NINA feeds (``NOTIFY_NINA_URLS``): new warnings onto city-events; seen ones skipped."""
    from notify.sources.runner import run_nina

    for url in settings.nina_urls.split():
        try:
            result = await run_nina(settings, url, publisher)
        except Exception as exc:  # a feed that is down must not stop the others
            log.warning("NINA %s not read: %s", url, exc)
            continue
        if result["events"] or result["ignored"]:
            log.info("NINA %s: %d sent, %d not for us", url, len(result["events"]), len(result["ignored"]))


@app.timer(interval=settings.oparl_every_s)
async def read_oparl() -> None:
    """The council information system (``NOTIFY_OPARL_URL``): future meetings become messages."""
    if not settings.oparl_url:
        return
    from notify.sources.runner import run_oparl

    try:
        result = await run_oparl(settings, settings.oparl_url, publisher)
    except Exception as exc:
        log.warning("OParl %s not read: %s", settings.oparl_url, exc)
        return
    log.info("OParl: %d sent, %d archived", len(result["events"]), result["archived"])


@app.timer(interval=3600.0)
async def purge() -> None:
    """Unconfirmed sign-ups and expired codes are deleted after their retention time."""

    def run() -> int:
        with session_scope(rt.db_url) as session:
            return purge_unconfirmed(session)

    removed = await asyncio.to_thread(run)
    if removed:
        log.info("purged %d unconfirmed or expired records", removed)


@app.timer(interval=3600.0)
async def ledger_retention() -> None:
    """Finished deliveries of events older than the retention period go, in bounded steps; then
    the payloads of old events that have no delivery left."""
    from subscribers.retention import payload_step, purge_step

    def step(purge) -> int:
        with session_scope(rt.db_url) as session:
            return purge(session)

    removed = emptied = 0
    for _ in range(400):  # at most 2 million rows an hour; the rest next hour
        if not (n := await asyncio.to_thread(step, purge_step)):
            break
        removed += n
        await asyncio.sleep(0.1)  # let the senders at the database in between
    while n := await asyncio.to_thread(step, payload_step):
        emptied += n
        await asyncio.sleep(0.1)
    if removed or emptied:
        log.info("ledger retention: %d old deliveries removed, %d event payloads emptied", removed, emptied)


_letter_pool: ProcessPoolExecutor | None = None


@app.timer(interval=settings.letter_close_every_s)
async def close_letter_batch() -> None:
    """Keep today's print batch (one PDF + manifest) current for the print-and-mail service."""
    # WeasyPrint is CPU-bound for seconds: a separate process keeps this worker's loop (and its
    # Kafka heartbeats) responsive while a large batch is laid out.
    global _letter_pool
    if _letter_pool is None:
        _letter_pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    files = await asyncio.get_running_loop().run_in_executor(
        _letter_pool, close_batch, settings.data_dir, None, False, settings.db_url
    )
    if files is not None:
        log.info("letter batch written: %s", files.pdf)


def run(loglevel: str = "info") -> None:
    """Run the worker in the foreground (what ``notify worker`` does)."""
    import sys

    sys.argv = ["notify-worker", "worker", "-l", loglevel, "--without-web"]
    app.main()
