"""Putting adapted events onto ``city-events``, and saying what was left out."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from notify.events import CityEvent
from notify.kafka import CITY_EVENTS, Publisher
from notify.sources.alerts import Converted

log = logging.getLogger("stadtbote.sources")
IGNORED: Counter[str] = Counter()  # per source kind, since the process started (logged as it grows)


def kafka_key(event: CityEvent) -> bytes:
    """A correction travels under the key of the oldest event it names, so a CAP chain
    (Alert → Update → Cancel) shares a partition and is matched in order."""
    refs = str((event.model_extra or {}).get("references") or "").split()
    root = refs[-1] if refs else str((event.model_extra or {}).get("corrects") or event.id)
    return f"{event.source}\x1f{root}".encode()


def split(results: Iterable[Converted], kind: str) -> tuple[list[CityEvent], list[dict[str, str]]]:
    events, ignored = [], []
    for item in results:
        if item.event is not None:
            events.append(item.event)
        else:
            ignored.append({"identifier": item.identifier, "reason": item.reason or ""})
            IGNORED[kind] += 1
            log.info("%s %s ignored: %s", kind, item.identifier, item.reason)
    return events, ignored


async def publish_events(publisher: Publisher, events: Iterable[CityEvent]) -> list[str]:
    ids = []
    for event in events:
        await publisher.send(CITY_EVENTS, event.to_json().encode(), key=kafka_key(event))
        ids.append(event.id)
    return ids
