"""The Faust app: thin agents over the plain steps in ``pipeline`` and ``dispatch``.

Faust acknowledges a record even when an agent raises, so every agent catches its own errors and
routes them: bad input → dead-letter topic with the reason; a transient failure → retry after a
back-off; nothing is dropped silently. A periodic sweep re-publishes ledger rows that were left
behind (a worker stopped between writing a row and publishing it, or while a retry was waiting).

The app and what the agents share: ``notify/worker_app.py``; start-up: ``notify/worker_boot.py``;
the periodic jobs: ``notify/worker_timers.py``.
"""

from __future__ import annotations

import asyncio
import logging

from notify import worker_boot, worker_timers  # noqa: F401  (they register start-up and timers on the app)
from notify.dispatch import Outcome, backoff_seconds
from notify.events import CityEvent, InvalidEvent
from notify.pipeline import ingest, plan
from notify.subscriptions import publish_changes
from notify.worker_app import (
    CHUNK,
    accepted,
    app,
    channel_topics,
    circuits,
    city_events,
    follower,
    index,
    publish_chunks,
    publisher,
    republish,
    rt,
    settings,
    state,
    to_dead_letter,
    urgent_topic,
)
from subscribers.models import utcnow

log = logging.getLogger("stadtbote.worker")


@app.on_before_shutdown.connect
async def _close(app, **kwargs) -> None:
    """Close what the tasks opened, so a stop leaves no dangling connections."""
    await follower.stop()
    await publisher.close()
    if state.dispatcher is not None:
        await state.dispatcher.close()
    if worker_timers.letter_pool is not None:
        worker_timers.letter_pool.shutdown(wait=False, cancel_futures=True)


@app.agent(city_events)
async def ingest_agent(stream):
    """Validate, register once, check the text; pass new events on to matching."""
    await state.warm.wait()  # the text check needs the language data (notify/worker_boot.py)
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
            await republish(did, channel, sid)
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
        await publish_chunks(pending, event.urgent)
        log.info("event %s matched %d deliveries", event.id, len(pending))


def narrowed_area(event: CityEvent):
    """The event's area narrowed by its GeoJSON ``geometry``; None: it is not in the city."""
    from topics.geometry import load_city_geometry  # shapely only when an event has a shape

    return load_city_geometry(settings.city).refine(event.data.area, event.data.geometry)


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
                lambda o=o: asyncio.ensure_future(republish(o.delivery_id, o.channel, o.subscriber_id)),
            )
        elif o.status == "dead":
            await to_dead_letter(
                "deliver", o.error or "too many attempts", {"delivery_id": o.delivery_id, "channel": o.channel}
            )
        elif o.next_delivery is not None:
            next_id, subscriber_id, channel = o.next_delivery
            await republish(next_id, channel, subscriber_id)


def _delivery_ids(item: dict) -> list[str]:
    """A delivery message carries one delivery, or a chunk of them (see ``publish_chunks`` in ``notify/worker_app.py``).

    Deliveries for a channel whose provider is away are not claimed: they wait in the ledger and
    are released when the channel's circuit closes (``notify/channel_watch.py``)."""
    if "deliveries" in item:
        return [did for did, channel in item["deliveries"] if circuits.allows(channel)]
    return [item["delivery_id"]] if circuits.allows(item.get("channel", "")) else []


async def _deliver(stream) -> None:
    async for batch in stream.take(CHUNK, within=0.05):
        # A restarted worker gets its first records while it still loads: wait, do not drop them
        # (dropped, they would wait for the sweep — minutes).
        await state.dispatcher_ready.wait()
        assert state.dispatcher is not None
        ids = [did for item in batch for did in _delivery_ids(item)]
        for start in range(0, len(ids), CHUNK):
            try:
                outcomes = await state.dispatcher.run_batch(ids[start : start + CHUNK])
            except Exception:
                log.exception("delivery batch failed; the sweep will pick it up again")
                continue
            await _route(outcomes)


for _channel, _topic in channel_topics.items():
    app.agent(_topic, name=f"deliver_{_channel}", concurrency=settings.delivery_concurrency)(_deliver)
app.agent(urgent_topic, name="deliver_urgent", concurrency=settings.delivery_concurrency)(_deliver)


def run(loglevel: str = "info") -> None:
    """Run the worker in the foreground (what ``notify worker`` does)."""
    import sys

    sys.argv = ["notify-worker", "worker", "-l", loglevel, "--without-web"]
    app.main()
