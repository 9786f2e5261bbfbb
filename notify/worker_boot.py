"""The worker's start-up: everything it needs before it matches, loaded side by side.

Three things take the time, and none waits for another:

- Faust joins the consumer group (Tansu answers a join after about half the session timeout);
- the match index loads (from its snapshot, or from the database) and catches up;
- a thread loads the language data (spaCy, the checker's word lists), which the text check of
  every event needs; they were imported with the worker's modules before, and loaded after.

The worker is *ready* — ``NOTIFY_READY_FILE`` is written, and the log says when each part was
done — once all three are: an event that arrives then is checked and matched without waiting for
anything to load. Then Apprise (SMS, push) and the announcements code load, and deliveries start.
Agents that get records earlier wait (``state.warm``, ``follower.ready``,
``state.dispatcher_ready``); nothing is dropped.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from pathlib import Path

from notify import kafka as topics_
from notify.channels.registry import build_senders
from notify.dispatch import Dispatcher
from notify.worker_app import app, circuits, follower, index, rt, settings, state
from subscribers.db import init_db

log = logging.getLogger("stadtbote.worker")


def since_process_start() -> float:
    """Seconds since this process was started (Linux; else since this module was imported)."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _imported


_imported = time.monotonic()


def load_language_data() -> None:
    """What the text check of the first event would otherwise load itself (run in a thread; the
    import lock and plainlang's own locks make another thread that needs them wait)."""
    import plainlang

    plainlang.warm_up()


def load_senders() -> None:
    """Apprise with our outbox plugin (the first SMS or push), and the announcements code (the
    timer for scheduled announcements): not needed to match, so loaded once the worker is ready."""
    from notify.channels.apprise_out import load_apprise

    load_apprise()
    import notify.announcements  # noqa: F401


async def boot() -> None:
    """Started by ``StadtboteApp.on_first_start``, before Faust joins the group."""
    language = asyncio.ensure_future(asyncio.to_thread(load_language_data))
    await asyncio.to_thread(init_db, rt.db_url)
    sending = asyncio.ensure_future(
        _prepare_sending(language, Dispatcher(rt, build_senders(settings), circuits=circuits))
    )
    await topics_.ensure_topics(settings.kafka_bootstrap, topics_.topic_plan(settings.partitions))
    await follower.start()
    indexed = since_process_start()
    warm = asyncio.ensure_future(state.warm.wait())
    await asyncio.wait([warm, sending], return_when=asyncio.FIRST_COMPLETED)
    if sending.done():
        sending.result()  # the language data failed to load: the worker stops, saying why
    await warm
    await state.joined.wait()
    ready = since_process_start()
    if ready_file := os.environ.get("NOTIFY_READY_FILE"):
        Path(ready_file).parent.mkdir(parents=True, exist_ok=True)
        Path(ready_file).write_text(f"{len(index)} subscribers\n")
    log.info("worker start: matching %.1f s after the process started (match index from the %s at %.1f s, "
             "language data at %.1f s, consumer group at %.1f s)",
             ready, follower.started_from, indexed, state.warm_at, state.joined_at)  # fmt: skip
    app.add_future(follower.run())
    await sending
    # The language data and the match index live as long as the worker: keep their millions of
    # objects out of the cyclic garbage collector's full runs (measured: 0.70 → 0.63 ms CPU per
    # e-mail in bench/email.py once the checker's word lists were loaded at start). `notify
    # worker` turned the collector off for the start-up (notify/cli/services.py).
    gc.freeze()
    gc.enable()


async def _prepare_sending(language: asyncio.Future, dispatcher: Dispatcher) -> None:
    """Once the language data are there (the text check of events and messages), what sending
    needs; then the dispatcher is handed to the delivery agents and timers."""
    await language
    state.warm_at = since_process_start()
    state.warm.set()
    await asyncio.to_thread(load_senders)
    state.dispatcher = dispatcher  # deliveries and the timers that need it start now
    state.dispatcher_ready.set()
    log.info("worker start: sending %.1f s after the process started", since_process_start())


@app.task
async def group_joined() -> None:
    """Faust starts tasks once it has joined the consumer group and started the streams."""
    state.joined_at = since_process_start()
    state.joined.set()


app.boot = boot
