"""The in-memory match index: (topic, district) → subscribers, updated one subscriber at a time.

Every worker holds one. It is filled once at start from the database and then kept current by
full-state change records (``subscribers.store.change_record``) from the ``subscription-changes``
stream — never reloaded whole per event.

Matching an event is set arithmetic: the event's topics widen to their parents (a subscription to
"Verkehr" covers "Baustellen"), the event's area widens to the Stadtbezirk above, the Stadtteile
below and ``citywide``; the union of the subscriber sets under those keys is the audience, each
subscriber once. The sets are mirrored as sorted numpy arrays (rebuilt lazily, only for keys that
changed) so a union over hundreds of thousands of subscribers costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from topics.catalogue import CITYWIDE, Catalogue

CHANNEL_CODES = {"email": 0, "sms": 1, "push": 2, "letter": 3}
CHANNEL_NAMES = {code: name for name, code in CHANNEL_CODES.items()}
NO_CHANNEL = -1

Key = tuple[str, str]


@dataclass
class IndexArrays:
    """The whole index as arrays (``topics.index_snapshot`` writes and reads them)."""

    keys: list[Key]
    members: np.ndarray  # int32: every key's members, sorted, one key after the other
    offsets: np.ndarray  # int64, len(keys) + 1: where each key's members start
    primary: np.ndarray  # int8 per subscriber id: first-choice channel
    mask: np.ndarray  # uint8 per subscriber id: all confirmed channels


class MatchIndex:
    def __init__(self, catalogue: Catalogue, capacity: int = 1024):
        self.catalogue = catalogue
        self._sets: dict[Key, set[int]] = {}
        self._arrays: dict[Key, np.ndarray] = {}
        self._dirty: set[Key] = set()
        self._keys_of: dict[int, tuple[Key, ...]] = {}
        # Per subscriber: first-choice channel, and a bit mask of all channels (for urgent events).
        self._primary = np.full(capacity, NO_CHANNEL, dtype=np.int8)
        self._mask = np.zeros(capacity, dtype=np.uint8)
        self._expand = lru_cache(maxsize=4096)(self._expand_uncached)
        self._seen = np.zeros(capacity, dtype=bool)  # reused scratch bitmap for unions
        # Loaded from a snapshot and not changed since: a key's members only as its array (the
        # set is built when the key first changes), a subscriber's keys only in ``_snap``.
        self._loaded: set[Key] = set()
        self._snap = _SnapshotKeys.empty()

    # -- updates ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._keys_of) + self._snap.live

    @property
    def subscriptions(self) -> int:
        return sum(len(s) for s in self._sets.values()) + sum(len(self._arrays[k]) for k in self._loaded)

    def _has(self, key: Key) -> bool:
        return key in self._sets or key in self._loaded

    def _members(self, key: Key) -> set[int]:
        if key in self._loaded:
            self._sets[key] = set(self._arrays[key].tolist())
            self._loaded.discard(key)
        return self._sets.setdefault(key, set())

    def _old_keys(self, subscriber_id: int) -> tuple[Key, ...]:
        found = self._keys_of.get(subscriber_id)
        return found if found is not None else self._snap.take(subscriber_id)

    def apply(self, record: dict) -> None:
        """Apply one full-state change record (idempotent)."""
        sid = int(record["subscriber_id"])
        if not record.get("active", True) or not record.get("subscriptions"):
            self.remove(sid)
            return
        self.upsert(sid, [tuple(s) for s in record["subscriptions"]], record.get("channels", []))

    def upsert(self, subscriber_id: int, subscriptions: Iterable[Key], channels: list[str]) -> None:
        new_keys = tuple(dict.fromkeys((str(t), str(d)) for t, d in subscriptions))
        old_keys = self._old_keys(subscriber_id)
        for key in set(old_keys) - set(new_keys):
            self._discard(key, subscriber_id)
        for key in set(new_keys) - set(old_keys):
            self._members(key).add(subscriber_id)
            self._dirty.add(key)
        self._keys_of[subscriber_id] = new_keys
        self._ensure_capacity(subscriber_id)
        codes = [CHANNEL_CODES[c] for c in channels if c in CHANNEL_CODES]
        self._primary[subscriber_id] = codes[0] if codes else NO_CHANNEL
        self._mask[subscriber_id] = sum(1 << c for c in set(codes))

    def remove(self, subscriber_id: int) -> None:
        for key in self._old_keys(subscriber_id):
            self._discard(key, subscriber_id)
        self._keys_of.pop(subscriber_id, None)
        if subscriber_id < len(self._primary):
            self._primary[subscriber_id] = NO_CHANNEL
            self._mask[subscriber_id] = 0

    def _discard(self, key: Key, subscriber_id: int) -> None:
        members = self._members(key) if self._has(key) else None
        if members is not None:
            members.discard(subscriber_id)
            if not members:
                del self._sets[key]
                self._arrays.pop(key, None)
                self._dirty.discard(key)
                return
            self._dirty.add(key)

    def _ensure_capacity(self, subscriber_id: int) -> None:
        if subscriber_id >= len(self._primary):
            size = max(subscriber_id + 1, 2 * len(self._primary))
            self._primary = np.concatenate(
                [self._primary, np.full(size - len(self._primary), NO_CHANNEL, dtype=np.int8)]
            )
            self._mask = np.concatenate([self._mask, np.zeros(size - len(self._mask), dtype=np.uint8)])

    # -- snapshot -----------------------------------------------------------------------------
    def export_arrays(self) -> IndexArrays:
        keys = sorted(set(self._sets) | self._loaded)
        parts = [self._arrays[k] if k in self._loaded else np.sort(self._array(k)) for k in keys]
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in parts], out=offsets[1:])
        members = np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)
        top = int(members.max()) + 1 if len(members) else 0
        return IndexArrays(keys, members.astype(np.int32, copy=False), offsets, self._primary[:top].copy(),
                           self._mask[:top].copy())  # fmt: skip

    def import_arrays(self, arrays: IndexArrays) -> None:
        """Replace the whole state by ``arrays`` (as ``export_arrays`` gave them). Array work
        only: sets and per-subscriber keys are built later, for what changes."""
        self._sets, self._dirty, self._keys_of = {}, set(), {}
        self._arrays = {key: arrays.members[arrays.offsets[k] : arrays.offsets[k + 1]]
                        for k, key in enumerate(arrays.keys)}  # fmt: skip
        self._loaded = set(self._arrays)
        self._snap = _SnapshotKeys.build(arrays)
        size = max(len(arrays.primary), 1024)
        self._primary = np.full(size, NO_CHANNEL, dtype=np.int8)
        self._mask = np.zeros(size, dtype=np.uint8)
        self._primary[: len(arrays.primary)] = arrays.primary
        self._mask[: len(arrays.mask)] = arrays.mask
        self._expand.cache_clear()

    def subscriber_ids(self) -> np.ndarray:
        """Everyone in the index (unsorted)."""
        own = np.fromiter(self._keys_of, dtype=np.int64, count=len(self._keys_of))
        return np.concatenate([own, self._snap.live_ids()])

    # -- matching -----------------------------------------------------------------------------
    def _expand_uncached(self, topics: tuple[str, ...], area: str | tuple[str, ...]) -> tuple[Key, ...]:
        topic_keys = self.catalogue.subscription_topics_for(list(topics))
        district_keys = self.catalogue.subscription_districts_for(CITYWIDE if area == CITYWIDE else list(area))
        return tuple((t, d) for t in sorted(topic_keys) for d in sorted(district_keys))

    def _array(self, key: Key) -> np.ndarray:
        if key in self._loaded:
            return self._arrays[key]
        if key in self._dirty or key not in self._arrays:
            self._arrays[key] = np.fromiter(self._sets[key], dtype=np.int32, count=len(self._sets[key]))
            self._dirty.discard(key)
        return self._arrays[key]

    def match(self, topics: Iterable[str], area: str | Iterable[str]) -> np.ndarray:
        """Ids of every subscriber concerned by an event, each once (unsorted)."""
        area_key = CITYWIDE if area == CITYWIDE else tuple(sorted(area))
        keys = [k for k in self._expand(tuple(sorted(topics)), area_key) if self._has(k)]
        if not keys:
            return np.empty(0, dtype=np.int32)
        arrays = [self._array(k) for k in keys]
        if len(arrays) == 1:
            return arrays[0]
        total = sum(len(a) for a in arrays)
        if total * 64 < len(self._primary):  # few hits: sorting beats a bitmap over everyone
            return np.unique(np.concatenate(arrays))
        if len(self._seen) < len(self._primary):
            self._seen = np.zeros(len(self._primary), dtype=bool)
        seen = self._seen
        for array in arrays:
            seen[array] = True
        ids = np.flatnonzero(seen).astype(np.int32, copy=False)
        seen[ids] = False  # clear only what was set: cheaper than wiping the whole bitmap
        return ids

    def deliveries(
        self, topics: Iterable[str], area: str | Iterable[str], urgent: bool = False
    ) -> dict[str, np.ndarray]:
        """Subscriber ids per channel: one delivery per subscriber and channel.

        Normal events go to each subscriber's first-choice channel (later channels are the
        fallback chain); urgent events go out on every channel the subscriber confirmed.
        """
        ids = self.match(topics, area)
        out: dict[str, np.ndarray] = {}
        if urgent:
            masks = self._mask[ids]
            for code, name in CHANNEL_NAMES.items():
                chosen = ids[(masks & (1 << code)) != 0]
                if len(chosen):
                    out[name] = chosen
            return out
        # Split by first-choice channel: one stable radix sort of the small channel codes, then
        # contiguous slices — a single pass however many channels there are.
        primary = self._primary[ids]
        order = np.argsort(primary, kind="stable")
        by_channel = ids[order]
        counts = np.bincount(primary.astype(np.intp) + 1, minlength=len(CHANNEL_NAMES) + 1)
        start = int(counts[0])  # NO_CHANNEL (-1) sorts first: residents without a confirmed channel
        for code, name in CHANNEL_NAMES.items():
            end = start + int(counts[code + 1])
            if end > start:
                out[name] = by_channel[start:end]
            start = end
        return out

    def channels_of(self, subscriber_id: int) -> list[str]:
        if subscriber_id >= len(self._mask):
            return []
        mask = int(self._mask[subscriber_id])
        return [name for code, name in CHANNEL_NAMES.items() if mask & (1 << code)]


class _SnapshotKeys:
    """Each subscriber's keys as loaded from a snapshot, in arrays: ``ids`` sorted, the keys of
    ``ids[i]`` are ``keys[which[start[i]:start[i + 1]]]``. ``take`` hands them out once, when
    the subscriber first changes (from then on ``MatchIndex._keys_of`` knows them)."""

    def __init__(self, keys: list[Key], ids: np.ndarray, start: np.ndarray, which: np.ndarray):
        self.keys, self.ids, self.start, self.which = keys, ids, start, which
        self.taken: set[int] = set()

    @classmethod
    def empty(cls) -> _SnapshotKeys:
        return cls([], np.empty(0, dtype=np.int64), np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int32))

    @classmethod
    def build(cls, arrays: IndexArrays) -> _SnapshotKeys:
        counts = np.diff(arrays.offsets).astype(np.int64)
        which = np.repeat(np.arange(len(arrays.keys), dtype=np.int32), counts)
        order = np.argsort(arrays.members, kind="stable")
        members = arrays.members[order]
        ids, first = np.unique(members, return_index=True)
        start = np.append(first, len(members)).astype(np.int64)
        return cls(list(arrays.keys), ids.astype(np.int64), start, which[order])

    @property
    def live(self) -> int:
        return len(self.ids) - len(self.taken)

    def live_ids(self) -> np.ndarray:
        if not self.taken:
            return self.ids
        return self.ids[~np.isin(self.ids, np.fromiter(self.taken, dtype=np.int64))]

    def take(self, subscriber_id: int) -> tuple[Key, ...]:
        if subscriber_id in self.taken or not len(self.ids):
            return ()
        i = int(np.searchsorted(self.ids, subscriber_id))
        if i >= len(self.ids) or self.ids[i] != subscriber_id:
            return ()
        self.taken.add(subscriber_id)
        return tuple(self.keys[k] for k in self.which[self.start[i] : self.start[i + 1]].tolist())
