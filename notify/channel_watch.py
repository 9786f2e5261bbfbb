"""What the worker does when a channel's circuit changes (``notify/circuit.py``).

- tells staff: one ``channel_health`` row per channel and worker, refreshed while disturbed;
- probes a paused channel: when the back-off has passed, one waiting delivery is published again
  (the circuit is half-open, so it is sent; its answer closes or re-opens the circuit);
- releases the backlog: when the circuit closes, every delivery of that channel still waiting in
  the ledger is published again, page by page. A claim sends each at most once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from notify.circuit import CLOSED, Circuit, Circuits
from notify.pipeline import Runtime
from subscribers import channel_health
from subscribers.db import session_scope
from subscribers.ledger import CLAIMABLE
from subscribers.models import Delivery

log = logging.getLogger("stadtbote.channels")

Publish = Callable[[list[tuple[str, int, str]]], Awaitable[None]]
REFRESH_S = 15.0
PAGE = 5000


class ChannelWatch:
    def __init__(self, rt: Runtime, circuits: Circuits, publish: Publish) -> None:
        self.rt, self.circuits, self.publish = rt, circuits, publish
        self._refreshed: dict[str, float] = {}

    async def tick(self, owner: str) -> None:
        for circuit in self.circuits:
            if circuit.probe_due():
                probe = await asyncio.to_thread(self.waiting, circuit.channel, None, 1)
                log.info("%s: probing the provider again (%d delivery)", circuit.channel, len(probe))
                await self.publish(probe)
            changed = circuit.take_change()
            stale = time.monotonic() - self._refreshed.get(circuit.channel, 0.0) > REFRESH_S
            if changed or (circuit.state != CLOSED and stale):
                await asyncio.to_thread(self._persist, owner, circuit)
                self._refreshed[circuit.channel] = time.monotonic()
            if changed:
                self._log(circuit)
            if changed and circuit.state == CLOSED:
                await self.release(circuit.channel)

    async def release(self, channel: str) -> int:
        """Publish every delivery of ``channel`` still waiting in the ledger; returns how many."""
        after, total = None, 0
        while True:
            page = await asyncio.to_thread(self.waiting, channel, after, PAGE)
            if not page:
                break
            await self.publish(page)
            total += len(page)
            after = page[-1][0]
        log.info("%s: provider is back, %d waiting deliveries released", channel, total)
        return total

    def waiting(self, channel: str, after: str | None, limit: int) -> list[tuple[str, int, str]]:
        query = select(Delivery.id, Delivery.subscriber_id, Delivery.channel).where(
            Delivery.channel == channel,
            Delivery.status.in_(CLAIMABLE),  # type: ignore[attr-defined]
        )
        if after is not None:
            query = query.where(Delivery.id > after)
        with session_scope(self.rt.db_url) as session:
            rows = session.execute(query.order_by(Delivery.id).limit(limit)).all()
        return [(r[0], r[1], r[2]) for r in rows]

    def _persist(self, owner: str, circuit: Circuit) -> None:
        with session_scope(self.rt.db_url) as session:
            channel_health.write(session, owner, circuit.channel, circuit.state, circuit.since, circuit.last_error)

    @staticmethod
    def _log(circuit: Circuit) -> None:
        if circuit.state == CLOSED:
            log.warning("%s: provider answers again, sending resumes", circuit.channel)
        else:
            log.warning("%s: provider away since %s (%s), sending paused; %s", circuit.channel,
                        circuit.since, circuit.last_error, circuit.state)  # fmt: skip
