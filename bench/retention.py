"""Ledger retention on a 5-million-row ledger (PostgreSQL): time per step, in all, and whether
the worker's other work waits for it.

A scratch schema in ``--database-url`` (default ``postgresql://postgres@127.0.0.1:5432/test``)
is filled with SQL (``generate_series``, not the ORM): 500 events over 1,000 days, 5,000,000
deliveries (10,000 per event; 1 % with a failed attempt in ``delivery_attempt``), so about 60 %
are past the 400-day retention period. Then the worker's loop runs — ``purge_step`` (5,000 rows
a transaction) until nothing is left, then ``payload_step`` — while a second connection does what
a sending worker does all day: claim one pending delivery of a young event (UPDATE … RETURNING)
and record its outcome, again and again. Its latency during the purge is compared with the
latency before. The schema is dropped at the end. Ends with one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _HERE)]  # bench/email.py would shadow `email`

import argparse
import json
import os
import statistics
import threading
import time
import uuid

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from subscribers.db import get_engine, init_db, session_scope  # noqa: E402
from subscribers.retention import payload_step, purge_step  # noqa: E402

FILL = """
INSERT INTO event (id, source, event_id, type, title, urgency, payload, status, deliveries, received_at)
SELECT e, '/bench', 'e' || e, 'de.bench', 'Meldung ' || e, 'normal', '{"data": {"text": "Text"}}', 'matched',
       :per_event, now() - make_interval(days => 1000 - e * 1000 / :events)
FROM generate_series(1, :events) AS e;
SELECT setval(pg_get_serial_sequence('event', 'id'), :events);
INSERT INTO delivery (id, event_pk, subscriber_id, channel, urgent, status, attempts, created_at, updated_at, sent_at)
SELECT md5(e || '/' || r), e, r, 'email', false, 'sent', 1, now(), now(), now()
FROM generate_series(1, :events) AS e, generate_series(1, :per_event) AS r;
INSERT INTO delivery_attempt (delivery_id, attempt, outcome, error, at)
SELECT md5(e || '/' || r), 1, 'retry', '451 try later', now()
FROM generate_series(1, :events) AS e, generate_series(1, :per_event, 100) AS r;
UPDATE delivery SET status = 'pending' WHERE event_pk > :events - 5 AND subscriber_id % 10 = 0;
ANALYZE;
"""

CLAIM = text("""UPDATE delivery SET status = 'sending', updated_at = now()
WHERE id = (SELECT id FROM delivery WHERE status = 'pending' AND event_pk > :young LIMIT 1
            FOR UPDATE SKIP LOCKED) RETURNING id""")
OUTCOME = text("UPDATE delivery SET status = 'sent', sent_at = now() WHERE id = :id")


class Sender(threading.Thread):
    """Claims and records one delivery at a time, as a sending worker does; notes each latency."""

    def __init__(self, url: str, young: int):
        super().__init__(daemon=True)
        self.engine = create_engine(url)
        self.young = young
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.is_set():
                t0 = time.perf_counter()
                with conn.begin():
                    did = conn.execute(CLAIM, {"young": self.young}).scalar()
                    if did is not None:
                        conn.execute(OUTCOME, {"id": did})
                self.latencies.append(time.perf_counter() - t0)
                time.sleep(0.01)

    def take(self) -> list[float]:
        out, self.latencies = self.latencies, []
        return out


def p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000 if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500,000 rows")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))  # fmt: skip
    args = parser.parse_args()
    events, per_event = (100, 5_000) if args.quick else (500, 10_000)
    schema = f"bench_retention_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in args.database_url else "?"
    url = f"{args.database_url}{sep}options=-csearch_path%3D{schema}"
    load = os.getloadavg()[0]
    try:
        init_db(url)
        t0 = time.perf_counter()
        with get_engine(url).begin() as conn:
            for statement in FILL.strip().split(";\n"):
                conn.execute(text(statement), {"events": events, "per_event": per_event})
        fill_s = time.perf_counter() - t0
        rows = events * per_event
        print(f"filled {rows:,} deliveries in {fill_s:.0f} s", file=sys.stderr)
        os.environ["NOTIFY_LEDGER_RETENTION_DAYS"] = "400"
        sender = Sender(url, young=events - 5)
        sender.start()
        time.sleep(5)
        before = sender.take()
        steps: list[float] = []
        removed = 0
        t0 = time.perf_counter()
        while True:  # the worker's loop: one step per transaction, 0.1 s between steps
            s0 = time.perf_counter()
            with session_scope(url) as session:
                n = purge_step(session)
            steps.append(time.perf_counter() - s0)
            if not n:
                break
            removed += n
            if len(steps) % 50 == 0:
                print(f"  {removed:,} removed, step {steps[-1] * 1000:.0f} ms", file=sys.stderr)
            time.sleep(0.1)
        purge_s = time.perf_counter() - t0
        emptied, t1 = 0, time.perf_counter()
        while True:
            with session_scope(url) as session:
                if not (n := payload_step(session)):
                    break
            emptied += n
        payload_s = time.perf_counter() - t1
        during = sender.take()
        sender.stop.set()
        sender.join(10)
        load = max(load, os.getloadavg()[0])
        with get_engine(url).connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM delivery")).scalar()
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    figures = {
        "benchmark": "retention", "ledger_rows": rows, "removed": removed, "left": left,
        "payloads_emptied": emptied, "steps": len(steps) - 1, "step_rows": 5000,
        "step_ms_median": round(statistics.median(steps[:-1]) * 1000) if len(steps) > 1 else 0,
        "step_ms_p95": round(p(steps[:-1], 0.95)), "step_ms_max": round(max(steps) * 1000),
        "purge_s": round(purge_s, 1), "payload_s": round(payload_s, 1), "fill_s": round(fill_s),
        "sender_ms_p50_before": round(p(before, 0.5), 1), "sender_ms_p95_before": round(p(before, 0.95), 1),
        "sender_ms_p50_during": round(p(during, 0.5), 1), "sender_ms_p95_during": round(p(during, 0.95), 1),
        "sender_ms_max_during": round(p(during, 1.0), 1), "sender_ops_during": len(during),
        "load_average": round(load, 1), "quick": args.quick,
    }  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
