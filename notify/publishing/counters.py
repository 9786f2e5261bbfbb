"""Page views per message and version, counted in memory and written every few seconds.

A page view must not cost a database write (the archive serves hundreds of pages a second), so
views are summed per process and added to ``message_views`` in one transaction at most every
``FLUSH_SECONDS``. A process that stops loses at most those seconds of counts — acceptable for a
statistic, never for a message. Also here: small per-IP windows for anonymous feedback and for
unknown short codes (no list of addresses is kept: keys are hashed).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter, deque

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from subscribers.db import session_scope
from subscribers.published import MessageViews

FLUSH_SECONDS = 5.0


class ViewCounter:
    def __init__(self) -> None:
        self._counts: dict[str, Counter[tuple[int, str]]] = {}
        self._lock = threading.Lock()
        self._last = time.monotonic()

    def add(self, db_url: str, message_id: int, version: str) -> None:
        with self._lock:
            self._counts.setdefault(db_url, Counter())[(message_id, version)] += 1
            due = time.monotonic() - self._last >= FLUSH_SECONDS
        if due:
            self.flush(db_url)

    def flush(self, db_url: str) -> None:
        with self._lock:
            counts = self._counts.pop(db_url, Counter())
            self._last = time.monotonic()
        if not counts:
            return
        with session_scope(db_url) as session:
            for (message_id, version), n in counts.items():
                done = session.execute(update(MessageViews).where(
                    MessageViews.message_id == message_id, MessageViews.version == version  # type: ignore[arg-type]
                ).values(views=MessageViews.views + n))  # fmt: skip
                if not done.rowcount:  # type: ignore[attr-defined]
                    try:
                        with session.begin_nested():
                            session.add(MessageViews(message_id=message_id, version=version, views=n))
                    except IntegrityError:  # another process created it meanwhile
                        session.execute(update(MessageViews).where(
                            MessageViews.message_id == message_id, MessageViews.version == version  # type: ignore[arg-type]
                        ).values(views=MessageViews.views + n))  # fmt: skip


views = ViewCounter()


class Window:
    """At most ``count`` hits per ``seconds`` per key; ``hit`` is True when allowed."""

    def __init__(self, count: int, seconds: float) -> None:
        self.count, self.seconds = count, seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        full = hashlib.sha256(key.encode()).hexdigest()[:24]
        now = time.monotonic()
        with self._lock:
            queue = self._hits.setdefault(full, deque())
            while queue and queue[0] <= now - self.seconds:
                queue.popleft()
            if len(queue) >= self.count:
                return False
            queue.append(now)
            if len(self._hits) > 50_000:
                self._hits.clear()
            return True


anonymous_feedback = Window(10, 3600)  # votes per IP and hour without a personal link
unknown_codes = Window(30, 600)  # wrong short codes per IP in ten minutes
