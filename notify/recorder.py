"""Outcomes written as they happen: group commit for the ledger, and a bound on messages in doubt.

Why: writing the outcomes of a whole batch of 200 at its end meant a crash left up to 200 sent
messages recorded as ``sending`` — each sent again after the restart (214 twice in the first
``kill -9`` trial). Now every send waits until its outcome is committed before its slot takes the
next message, and the commits of all sends that finish meanwhile share one transaction (group
commit). With ``slots`` equal to the provider's connections, at most that many messages are in
doubt at any moment: the ones whose transaction was under way or whose commit had not landed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

Write = Callable[[list[Any], dict[str, Any]], None]  # outcomes, reports → one transaction


class GroupRecorder:
    """``await record(outcomes, reports)`` returns once they are committed; callers that arrive
    while a commit runs are written together by the next one."""

    def __init__(self, write: Write) -> None:
        self._write = write
        self._queue: list[tuple[list[Any], dict[str, Any], asyncio.Future]] = []
        self._task: asyncio.Task | None = None

    async def record(self, outcomes: list[Any], reports: dict[str, Any]) -> None:
        if not outcomes:
            return
        future = asyncio.get_running_loop().create_future()
        self._queue.append((outcomes, reports, future))
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._drain())
        await future

    async def _drain(self) -> None:
        while self._queue:
            group, self._queue = self._queue, []
            outcomes = [o for items, _, _ in group for o in items]
            reports: dict[str, Any] = {}
            for _, part, _ in group:
                reports.update(part)
            try:
                await asyncio.to_thread(self._write, outcomes, reports)
            except Exception as exc:  # the database is away: the leases expire, the rows are retried
                for _, _, future in group:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, _, future in group:
                    if not future.done():
                        future.set_result(None)


class Slots:
    """One semaphore per channel: how many sends may be between "started" and "recorded"."""

    def __init__(self, sizes: dict[str, int], default: int = 8) -> None:
        self._sizes, self._default = sizes, default
        self._slots: dict[str, asyncio.Semaphore] = {}

    def __call__(self, channel: str) -> asyncio.Semaphore:
        if channel not in self._slots:
            self._slots[channel] = asyncio.Semaphore(self._sizes.get(channel, self._default))
        return self._slots[channel]
