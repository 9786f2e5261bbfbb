"""The worker's periodic jobs: the sweep and leases that make sure nothing is lost, channel
health, scheduled announcements, quiet hours, digests, the city's feeds, retention and the day's
letter batch. Registered on the app by importing this module (``notify/worker.py`` does)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta

from sqlalchemy import select, update

from notify.channels.letter_sender import close_batch
from notify.digests import build_due_digests
from notify.worker_app import accepted, app, publish_chunks, publisher, republish, rt, settings, state, watch
from subscribers import leases
from subscribers.consent import purge_unconfirmed
from subscribers.db import session_scope
from subscribers.models import Delivery, EventRecord, utcnow

log = logging.getLogger("stadtbote.worker")


STALE = timedelta(minutes=2)


@app.timer(interval=30.0)
async def sweep() -> None:
    """Re-publish ledger rows left behind; nothing is lost even if a worker stopped mid-way."""
    if state.dispatcher is None:
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

    await publish_chunks(await asyncio.to_thread(stale), urgent=False)  # chunks, not one message each
    for pk, payload, key in await asyncio.to_thread(unmatched):
        await accepted.send(key=key.encode(), value={"event_pk": pk, "event": payload})


@app.timer(interval=min(10.0, settings.lease_s / 3))
async def keep_leases() -> None:
    """Renew the leases of what this worker sends; re-queue rows whose owner stopped renewing."""
    if state.dispatcher is None:
        return
    dispatcher = state.dispatcher
    await asyncio.to_thread(dispatcher.renew_leases, dispatcher.in_flight())

    def expired() -> list[tuple[str, int, str]]:
        with session_scope(rt.db_url) as session:
            return leases.requeue_expired(session)

    rows = await asyncio.to_thread(expired)
    if rows:
        log.warning("%d deliveries had an expired lease (a worker stopped); sending them again", len(rows))
    for did, sid, channel in rows:
        await republish(did, channel, sid)


@app.timer(interval=1.0)
async def channel_watch() -> None:
    """Circuit changes: tell staff (channel_health), probe a paused channel, release its backlog."""
    if state.dispatcher is not None:
        await watch.tick(state.dispatcher.owner)


@app.timer(interval=5.0)
async def announcements_due() -> None:
    """Scheduled announcements whose time has come go onto city-events (exactly once)."""
    if state.dispatcher is not None:  # start-up has imported the announcements (notify/worker_boot.py)
        from notify.announcements import publish_due

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
        await republish(did, channel, sid)


@app.timer(interval=60.0)
async def send_digests() -> None:
    """Daily and weekly digests whose cut-off has passed become one message each."""
    for did, sid, channel in await asyncio.to_thread(build_due_digests, rt, None, settings.digest_hour):
        await republish(did, channel, sid)


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


letter_pool: ProcessPoolExecutor | None = None


@app.timer(interval=settings.letter_close_every_s)
async def close_letter_batch() -> None:
    """Keep today's print batch (one PDF + manifest) current for the print-and-mail service."""
    # WeasyPrint is CPU-bound for seconds: a separate process keeps this worker's loop (and its
    # Kafka heartbeats) responsive while a large batch is laid out.
    global letter_pool
    if letter_pool is None:
        letter_pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    files = await asyncio.get_running_loop().run_in_executor(
        letter_pool, close_batch, settings.data_dir, None, False, settings.db_url
    )
    if files is not None:
        log.info("letter batch written: %s", files.pdf)
