"""Sending SMS and push through Apprise, one recipient at a time, with an honest result for each.

Why one Apprise call per recipient: ``Apprise.notify`` reports one outcome for all the URLs it
holds, so a batch call cannot tell which resident got the message. Each ``send`` therefore builds
its own Apprise object from the channel's provider URL with the recipient filled in, and the
ledger gets a ``SendResult`` per delivery.

Provider URLs (one per channel, from configuration) carry the recipient as ``{to}``::

    sms:   twilio://ACCOUNT_SID:AUTH_TOKEN@+4920912345/{to}
    sms:   json://sms-gateway.internal/send?to={to}
    push:  ntfy://push.example.org/{to}
    dev:   outbox://sms/{to}     outbox://push/{to}

``{to}`` is replaced by the URL-quoted phone number or push address. The ``outbox://`` scheme is
our own (registered below): it appends one JSON line per message to
``<NOTIFY_DATA_DIR>/outbox/<channel>.jsonl`` so development and tests can read what was sent.

Sending never blocks the event loop: ``Apprise.async_notify`` runs the (blocking) plugins in its
own thread pool. A semaphore bounds how many sends run at once, and a token bucket per provider
(URL scheme) keeps us within the provider's rate limit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from notify.channels.base import Prepared, SendResult
from notify.channels.short_text import DEFAULT_SMS_SEGMENTS, DEFAULT_SMS_URGENT_SEGMENTS, compose_push, compose_sms

if TYPE_CHECKING:
    import apprise

log = logging.getLogger(__name__)

RECIPIENT_PLACEHOLDER = "{to}"
DEFAULT_URLS = {"sms": "outbox://sms/{to}", "push": "outbox://push/{to}"}

# HTTP answers that a retry will not change: the request itself is wrong (bad number, bad
# credentials, unknown endpoint). 408, 425 and 429 mean "later" and stay retryable.
_RETRYABLE_4XX = {408, 425, 429}
_HTTP_ERROR = re.compile(r"error=(\d{3})")
# What Apprise's HTTP plugins log when the gateway cannot be reached at all.
_UNREACHABLE = re.compile(r"Connection error occurred|Connection refused|timed out", re.I)


class TokenBucket:
    """Allows ``rate_per_s`` sends per second on average and bursts of up to ``burst``.

    ``acquire`` waits (without blocking the loop) until a token is free. Tokens are handed out in
    order of arrival, so a burst of urgent messages is not starved by later ones.
    """

    def __init__(self, rate_per_s: float, burst: int) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self.rate = rate_per_s
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class AppriseSender:
    """Sends one message to one recipient over a channel's provider URL.

    ``urls_by_channel`` maps a channel (``sms``, ``push``) to a provider URL with ``{to}``.
    ``rate_per_s``/``burst`` apply per provider scheme; ``concurrency`` bounds parallel sends.
    """

    def __init__(
        self,
        urls_by_channel: Mapping[str, str] | None = None,
        rate_per_s: float = 10.0,
        burst: int = 10,
        concurrency: int = 8,
        timeout_s: float = 30.0,
    ) -> None:
        self.urls = dict(urls_by_channel or DEFAULT_URLS)
        for channel, url in self.urls.items():
            if RECIPIENT_PLACEHOLDER not in url:
                raise ValueError(f"the {channel} provider URL needs a {{to}} for the recipient")
        self.rate_per_s, self.burst = rate_per_s, burst
        self.timeout_s = timeout_s
        self._semaphore = asyncio.Semaphore(concurrency)
        self._buckets: dict[str, TokenBucket] = {}

    def provider(self, channel: str) -> str:
        """Bucket key for a channel: its URL scheme, so SMS and push via one provider share it."""
        return urlsplit(self.urls[channel]).scheme

    def _bucket(self, provider: str) -> TokenBucket:
        if provider not in self._buckets:
            self._buckets[provider] = TokenBucket(self.rate_per_s, self.burst)
        return self._buckets[provider]

    async def send(self, channel: str, recipient: str, title: str, body: str) -> SendResult:
        """Send ``title``/``body`` to ``recipient``; never raises for a delivery problem.

        For SMS pass the finished text as ``body`` and an empty ``title`` (SMS has no title;
        Apprise would prepend it).
        """
        if channel not in self.urls:
            return _failed(f"no provider configured for channel {channel!r}", permanent=True)
        if not recipient or not recipient.strip():
            return _failed("empty recipient", permanent=True)
        url = self.urls[channel].replace(RECIPIENT_PLACEHOLDER, quote(recipient.strip(), safe="+@"))
        service = load_apprise().Apprise()
        if not service.add(url):
            # The provider URL itself (or the recipient in it) is malformed: retrying won't help.
            return _failed(f"invalid provider URL for channel {channel!r}", permanent=True)

        async with self._semaphore:
            await self._bucket(self.provider(channel)).acquire()
            try:
                outcome = await asyncio.wait_for(
                    service.async_notify(body=body, title=title, log_level=logging.WARNING),
                    timeout=self.timeout_s,
                )
            except TimeoutError:
                return SendResult(ok=False, outage=True, error=f"no answer within {self.timeout_s:g} s")
            except Exception as exc:  # a plugin crashing must not take the worker down
                log.exception("apprise send crashed")
                return _failed(f"{type(exc).__name__}: {exc}", permanent=False)
        return _result_from(outcome)


def _result_from(outcome: apprise.AppriseResult) -> SendResult:
    """Turn Apprise's result into ours, classifying the failure by the HTTP status it logged."""
    if outcome:
        return SendResult(ok=True)
    messages = [entry.message for result in outcome for entry in result.logs()]
    error = " ".join(messages) or f"provider reported {outcome.status.name}"
    codes = [int(code) for code in _HTTP_ERROR.findall(error)]
    permanent = bool(codes) and all(400 <= c < 500 and c not in _RETRYABLE_4XX for c in codes)
    if codes and all(c >= 500 for c in codes) or _UNREACHABLE.search(error):
        # The gateway is down or overloaded (5xx, refused, timed out): pause the channel instead.
        return SendResult(ok=False, outage=True, error=error)
    return _failed(error, permanent)


def _failed(error: str, permanent: bool) -> SendResult:
    """``permanent``: a retry will not help (bad address, refused request) → fall back instead."""
    return SendResult(ok=False, permanent=permanent, error=error)


class AppriseChannel:
    """The ``ChannelSender`` (``notify.channels.base``) for ``sms`` and ``push``.

    ``prepare`` renders the channel's own template (SMS within the segment budget, push within
    its limits) so the plain-language gate can read the text; ``send`` hands it to Apprise.
    """

    def __init__(self, channel: str, sender: AppriseSender, sms_budget: int = DEFAULT_SMS_SEGMENTS,
                 sms_urgent_segments: int = DEFAULT_SMS_URGENT_SEGMENTS) -> None:  # fmt: skip
        if channel not in ("sms", "push"):
            raise ValueError(f"AppriseChannel sends sms or push, not {channel!r}")
        self.channel, self.sender, self.sms_budget = channel, sender, sms_budget
        self.sms_urgent_segments = sms_urgent_segments

    def prepare(self, delivery_id: str, context: dict[str, Any], address: str, language: str, profile: str) -> Prepared:
        name = context["event"].template_name
        if self.channel == "sms":
            text = compose_sms(name, context, language, profile, self.sms_budget, self.sms_urgent_segments)
            return Prepared(delivery_id, text, (address, "", text))
        push = compose_push(name, context, language, profile)
        readable = f"{push.title}\n{push.body}"
        return Prepared(delivery_id, readable, (address, push.title, push.body_with_link()))

    async def send(self, prepared: Prepared) -> SendResult:
        address, title, body = prepared.payload
        return await self.sender.send(self.channel, address, title, body)

    async def close(self) -> None:
        """Nothing to close: every send builds (and drops) its own Apprise object."""


# -- outbox:// : the development delivery target -------------------------------------------------

_outbox_lock = threading.Lock()


def data_dir() -> Path:
    return Path(os.environ.get("NOTIFY_DATA_DIR", "./var"))


def outbox_path(channel: str) -> Path:
    """``<data dir>/outbox/sms.jsonl`` or ``push.jsonl``."""
    return data_dir() / "outbox" / f"{channel}.jsonl"


def _outbox(body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    """Append the message as one JSON line; the channel is the URL host, the recipient its path."""
    channel = meta.get("host") or "unknown"
    if not re.fullmatch(r"[a-z0-9_-]+", channel):
        return False
    recipient = unquote(meta.get("fullpath", "").strip("/"))
    line = json.dumps(
        {
            "recipient": recipient,
            "title": title,
            "body": body,
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        },
        ensure_ascii=False,
    )
    path = outbox_path(channel)
    with _outbox_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    return True


_load_lock = threading.Lock()
_loaded: ModuleType | None = None


def load_apprise() -> ModuleType:
    """Apprise with our ``outbox://`` plugin registered. Imported on first use (it takes most of a
    second, which a worker would otherwise spend before it starts); the worker calls this in its
    start-up thread, so the first SMS does not wait for it. Safe to call from any thread."""
    global _loaded
    with _load_lock:
        if _loaded is None:
            import apprise
            from apprise.decorators import notify as apprise_plugin

            apprise_plugin(on="outbox", name="Stadtbote outbox (JSON lines)")(_outbox)
            _loaded = apprise
    return _loaded
