"""Matching throughput: the in-memory index against one SQL query per event, on the same data.

1,000,000 subscriptions (``--quick``: 100,000) with a realistic skew — a few popular topics
(waste collection, road works, warnings), many citywide and Stadtbezirk subscriptions, most
residents on e-mail — and a mix of events (one Stadtteil, a Stadtbezirk, citywide; some urgent).

Figures: matched deliveries per second on one core for both ways, the index's memory, and the
ratio. Every SQL result is checked against the index's, so the two ways answer the same question.
Ends with one JSON line.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# bench/email.py (a contract name) would shadow the standard library's `email` package for every
# script in this folder; keep the folder itself off the import path.
_sys.path[:] = [p for p in _sys.path if p not in ("", str(_Path(__file__).resolve().parent))]

import argparse
import gc
import json
import platform
import random
import sqlite3
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from topics import index_snapshot  # noqa: E402
from topics.catalogue import CITYWIDE, load_catalogue  # noqa: E402
from topics.matcher import MatchIndex  # noqa: E402

CHANNELS = (["email"] * 85) + (["sms"] * 7) + (["push"] * 3) + (["letter"] * 5)


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def generate(subscriptions: int, seed: int = 7):
    rng = random.Random(seed)
    cat = load_catalogue("gelsenkirchen")
    leaves = cat.leaf_topics()
    rng.shuffle(leaves)
    popular = ["abfuhr", "baustellen", "unwetter", "ratssitzungen", "kita"]
    leaves = popular + [t for t in leaves if t not in popular]
    parents = [t for t in cat.topics if cat.topics[t].parent is None]
    topic_pool, topic_w = leaves + parents, zipf_weights(len(leaves)) + [0.15] * len(parents)
    stadtteile, bezirke = cat.stadtteile(), [d for d in cat.districts if cat.districts[d].parent is None]
    district_pool = [CITYWIDE] + bezirke + stadtteile
    district_w = [0.20 * 18] + [0.15 * 18 / len(bezirke)] * len(bezirke) + zipf_weights(len(stadtteile), 0.6)

    rows: list[tuple[int, str, str]] = []
    channels: dict[int, list[str]] = {}
    sid = 0
    while len(rows) < subscriptions:
        sid += 1
        count = min(rng.choice((1, 1, 2, 2, 3, 4, 6)), subscriptions - len(rows))
        topics = set(rng.choices(topic_pool, topic_w, k=count))
        district = rng.choices(district_pool, district_w)[0]
        rows.extend((sid, t, district) for t in topics)
        first = rng.choice(CHANNELS)
        channels[sid] = [first] + (["letter"] if first != "letter" and rng.random() < 0.05 else [])
    events = []
    for _ in range(400):
        topic = rng.choices(leaves, zipf_weights(len(leaves)))[0]
        kind = rng.random()
        area = CITYWIDE if kind < 0.3 else [rng.choice(bezirke)] if kind < 0.5 else [rng.choice(stadtteile)]
        events.append(([topic], area, rng.random() < 0.1))
    return cat, rows, channels, events


def build_index(cat, rows, channels) -> MatchIndex:
    index = MatchIndex(cat)
    current, subs = None, []
    for sid, topic, district in rows:  # rows are grouped by subscriber
        if sid != current:
            if current is not None:
                index.upsert(current, subs, channels[current])
            current, subs = sid, []
        subs.append((topic, district))
    index.upsert(current, subs, channels[current])
    return index


def build_sql(rows, channels) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE subscription (subscriber_id INTEGER, topic_id TEXT, district_id TEXT)")
    db.execute("CREATE TABLE channel (subscriber_id INTEGER, channel TEXT, priority INTEGER)")
    db.executemany("INSERT INTO subscription VALUES (?, ?, ?)", rows)
    db.executemany(
        "INSERT INTO channel VALUES (?, ?, ?)",
        ((sid, ch, i) for sid, chs in channels.items() for i, ch in enumerate(chs)),
    )
    db.execute("CREATE INDEX ix_sub ON subscription (topic_id, district_id, subscriber_id)")
    db.execute("CREATE INDEX ix_ch ON channel (subscriber_id, priority)")
    db.commit()
    return db


def sql_match(db, cat, topics, area, urgent) -> dict[str, set[int]]:
    """The straightforward way: one query per event, distinct subscribers joined to channels."""
    t_keys = sorted(cat.subscription_topics_for(topics))
    d_keys = sorted(cat.subscription_districts_for(area))
    priority = "" if urgent else "AND c.priority = 0"
    query = (
        f"SELECT DISTINCT s.subscriber_id, c.channel FROM subscription s "
        f"JOIN channel c ON c.subscriber_id = s.subscriber_id {priority} "
        f"WHERE s.topic_id IN ({','.join('?' * len(t_keys))}) AND s.district_id IN ({','.join('?' * len(d_keys))})"
    )
    out: dict[str, set[int]] = {}
    for sid, channel in db.execute(query, [*t_keys, *d_keys]):
        out.setdefault(channel, set()).add(sid)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 subscriptions, fewer events (CI)")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000

    t0 = time.perf_counter()
    cat, rows, channels, events = generate(n)
    gen_s = time.perf_counter() - t0
    print(f"generated {len(rows):,} subscriptions of {len(channels):,} residents in {gen_s:.1f} s", file=sys.stderr)

    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    index = build_index(cat, rows, channels)
    for topics, area, _ in events[:50]:  # warm the lazily built arrays, as a running worker has
        index.match(topics, area)
    build_s = time.perf_counter() - t0
    index_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"index: {index.subscriptions:,} subscriptions, {index_bytes / 1e6:.0f} MB, built in {build_s:.1f} s",
        file=sys.stderr,
    )

    # A worker's fast start: the same index written to its snapshot file and loaded back
    # (bench/worker_start.py measures a real worker process from start to ready).
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "match-index.npz"
        t0 = time.perf_counter()
        snapshot_bytes = index_snapshot.save(index, path, {})
        save_s = time.perf_counter() - t0
        loaded = MatchIndex(cat)
        t0 = time.perf_counter()
        index_snapshot.load(loaded, path)
        load_s = time.perf_counter() - t0
    for topics, area, urgent in events[:50]:
        mine = {ch: set(ids.tolist()) for ch, ids in index.deliveries(topics, area, urgent).items()}
        assert mine == {ch: set(ids.tolist()) for ch, ids in loaded.deliveries(topics, area, urgent).items()}
    del loaded
    print(f"snapshot: {snapshot_bytes / 1e6:.1f} MB, written in {save_s:.2f} s, loaded in {load_s:.2f} s",
          file=sys.stderr)  # fmt: skip

    rounds = 3 if args.quick else 5
    matched, t0 = 0, time.perf_counter()
    for _ in range(rounds):
        for topics, area, urgent in events:
            matched += sum(len(ids) for ids in index.deliveries(topics, area, urgent).values())
    index_s = time.perf_counter() - t0
    matched_per_s = matched / index_s

    db = build_sql(rows, channels)
    sql_events = events[: 40 if args.quick else 60]
    sql_matched, t0 = 0, time.perf_counter()
    results = []
    for topics, area, urgent in sql_events:
        result = sql_match(db, cat, topics, area, urgent)
        sql_matched += sum(len(ids) for ids in result.values())
        results.append(result)
    sql_s = time.perf_counter() - t0
    for (topics, area, urgent), result in zip(sql_events, results, strict=True):
        mine = {ch: set(ids.tolist()) for ch, ids in index.deliveries(topics, area, urgent).items()}
        assert mine == result, f"index and SQL disagree for {topics} {area}"
    sql_per_s = sql_matched / sql_s

    figures = {
        "benchmark": "match",
        "subscriptions": index.subscriptions,
        "residents": len(index),
        "events_matched": rounds * len(events),
        "mean_deliveries_per_event": round(matched / (rounds * len(events))),
        "matched_per_s": round(matched_per_s),
        "sql_matched_per_s": round(sql_per_s),
        "speedup_vs_sql": round(matched_per_s / sql_per_s, 1),
        "index_mb": round(index_bytes / 1e6, 1),
        "index_build_s": round(build_s, 2),
        "snapshot_mb": round(snapshot_bytes / 1e6, 1),
        "snapshot_save_s": round(save_s, 2),
        "snapshot_load_s": round(load_s, 2),
        "quick": args.quick,
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
