"""A compact file of the match index, so a worker with a million subscriptions starts in seconds.

Building the index from the database calls ``MatchIndex.upsert`` once per resident (about 20 s
for 1,000,000 subscriptions on the development VM). The snapshot holds the same state as a few
numpy arrays — every (topic, district) key's sorted members, each resident's channels — and
loading it is mostly array work. Whoever writes it adds ``meta`` (a JSON-able dict: e.g. how far
the change stream had been applied); this module knows nothing of where the changes come from.

Layout (``numpy.savez``, uncompressed): ``members`` (int32, all keys' members one after the
other), ``offsets`` (int64, where each key starts), ``primary`` (int8), ``mask`` (uint8) and
``header`` (UTF-8 JSON: format version, the keys, ``meta``). Written to a temporary file and
renamed, so a crash never leaves half a snapshot.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from topics.matcher import IndexArrays, MatchIndex

FORMAT = 1


def save(index: MatchIndex, path: Path, meta: dict[str, Any]) -> int:
    """Write ``index`` and ``meta`` to ``path``; returns the file's size in bytes."""
    return save_arrays(index.export_arrays(), path, meta)


def save_arrays(arrays: IndexArrays, path: Path, meta: dict[str, Any]) -> int:
    """``save`` for arrays already taken from the index (the file can then be written in a
    thread while the index goes on changing)."""
    header = json.dumps({"format": FORMAT, "keys": arrays.keys, "meta": meta}).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two workers may share a data dir
    with temporary.open("wb") as fh:
        np.savez(fh, members=arrays.members, offsets=arrays.offsets, primary=arrays.primary, mask=arrays.mask,
                 header=np.frombuffer(header, dtype=np.uint8))  # fmt: skip
    os.replace(temporary, path)
    return path.stat().st_size


def read_meta(path: Path) -> dict[str, Any] | None:
    """The ``meta`` of a snapshot without loading the index (None: none there, or unreadable)."""
    try:
        with np.load(path) as data:
            header = json.loads(bytes(data["header"]).decode())
    except (OSError, ValueError, KeyError, EOFError):
        return None
    return dict(header.get("meta") or {}) if header.get("format") == FORMAT else None


def load(index: MatchIndex, path: Path) -> dict[str, Any] | None:
    """Fill ``index`` from ``path`` and return the ``meta`` saved with it; None (index untouched)
    when there is no snapshot or it cannot be read."""
    try:
        with np.load(path) as data:
            header = json.loads(bytes(data["header"]).decode())
            if header.get("format") != FORMAT:
                return None
            arrays = IndexArrays([tuple(k) for k in header["keys"]], data["members"], data["offsets"],
                                 data["primary"], data["mask"])  # fmt: skip
    except (OSError, ValueError, KeyError, EOFError):
        return None
    index.import_arrays(arrays)
    return dict(header.get("meta") or {})
