"""Rate limits for subscribing and confirming, per client IP and per address, in memory.

Per process is enough here: the limits stop a script from mailing strangers or guessing codes,
and several web processes only multiply the allowance by their number. Limits come from the
environment as ``N/SECONDS``, e.g. ``NOTIFY_RATE_SUBSCRIBE_IP=10/3600``.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections import deque

DEFAULTS = {
    "subscribe_ip": (20, 3600),
    "subscribe_address": (3, 3600),
    "confirm_ip": (30, 3600),
    "confirm_address": (10, 3600),
    "link_ip": (10, 3600),
    "settings_code_ip": (10, 3600),  # /einstellungen: code + postcode or mobile number
    "settings_code": (5, 3600),  # tries on one code, from anywhere
}


def limit(name: str) -> tuple[int, float]:
    raw = os.environ.get(f"NOTIFY_RATE_{name.upper()}")
    if raw:
        count, _, seconds = raw.partition("/")
        return int(count), float(seconds or 3600)
    return DEFAULTS[name]


class RateLimiter:
    """Sliding window per key; ``hit`` returns the seconds to wait, or 0 when allowed."""

    def __init__(self, clock=time.monotonic):
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def hit(self, name: str, key: str) -> int:
        count, window = limit(name)
        # keys are hashed: the limiter must not become a list of addresses in memory dumps
        full = name + ":" + hashlib.sha256(key.lower().encode()).hexdigest()[:24]
        now = self._clock()
        with self._lock:
            queue = self._hits.setdefault(full, deque())
            while queue and queue[0] <= now - window:
                queue.popleft()
            if len(queue) >= count:
                return max(1, math.ceil(queue[0] + window - now))
            queue.append(now)
            if len(self._hits) > 100_000:  # forget idle keys now and then
                for k in [k for k, q in self._hits.items() if not q or q[-1] <= now - window][:50_000]:
                    del self._hits[k]
            return 0

    def check(self, checks: list[tuple[str, str]]) -> int:
        """Count every check; the longest wait wins."""
        return max([self.hit(name, key) for name, key in checks] or [0])


def limiter_for(app) -> RateLimiter:
    limiter = getattr(app.state, "resident_limiter", None)
    if limiter is None:
        limiter = app.state.resident_limiter = RateLimiter()
    return limiter


def client_ip(request) -> str:
    return request.client.host if request.client else "unknown"
