"""One run of a source with its memory: load state, read, publish, save (CLI and worker alike).

State is saved only after the events are on Kafka, so a broker outage means the next run tries
again; the event register (source + id) makes a repeat harmless.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from notify.kafka import Publisher
from notify.settings import Settings
from notify.sources import nina, oparl
from notify.sources.alerts import context_for
from notify.sources.publish import publish_events, split
from subscribers.db import init_db, session_scope
from subscribers.source_state import load_state, save_state

NINA_SEEN = "nina:seen"


def _load(settings: Settings, *keys: str) -> list[Any]:
    init_db(settings.db_url)
    with session_scope(settings.db_url) as session:
        return [load_state(session, k, {}) for k in keys]


def _save(settings: Settings, values: dict[str, Any]) -> None:
    with session_scope(settings.db_url) as session:
        for key, value in values.items():
            save_state(session, key, value)


async def run_nina(settings: Settings, where: str, publisher: Publisher,
                   http: httpx.Client | None = None) -> dict[str, Any]:  # fmt: skip
    """A NINA feed URL or a file, once: new warnings published, seen ones skipped."""
    ctx = context_for(settings.city, settings.db_url)
    etag_key = f"nina:etag:{where}"
    seen_doc, etag_doc = await asyncio.to_thread(_load, settings, NINA_SEEN, etag_key)
    seen: list[str] = seen_doc.get("seen", [])
    if where.startswith(("http://", "https://")):
        state = {"etag": etag_doc.get("etag"), "seen": seen}
        result = await asyncio.to_thread(nina.poll, where, ctx, state, http)
        etag_doc = {"etag": state.get("etag")}
    else:
        read = nina.read_file_bytes(Path(where).read_bytes())
        result = nina.convert_new(read, ctx, seen)
    events, ignored = split(result.converted, "nina")
    ids = await publish_events(publisher, events)
    await asyncio.to_thread(_save, settings, {NINA_SEEN: {"seen": seen}, etag_key: etag_doc})
    return {"events": ids, "ignored": ignored, "seen_before": result.skipped_seen,
            "not_modified": result.not_modified}  # fmt: skip


async def run_oparl(settings: Settings, url: str, publisher: Publisher, since: datetime | None = None,
                    http: httpx.Client | None = None, now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """One OParl run: future meetings published, past ones archived, changes corrected."""
    ctx = context_for(settings.city)
    key = oparl.state_key(url)
    (state,) = await asyncio.to_thread(_load, settings, key)
    outcome = await asyncio.to_thread(oparl.read_server, url, ctx, state, since, http, now)
    ids = await publish_events(publisher, outcome.events)
    await asyncio.to_thread(_save, settings, {key: state})
    return {"events": ids, "archived": outcome.archived, "unchanged": outcome.unchanged,
            "tombstones": outcome.tombstones, "skipped": outcome.skipped}  # fmt: skip
