"""Urgent overtakes bulk: a warning posted while a big e-mail fan-out drains.

The real stack on free ports (broker, SMTP sink, worker, web). ``--bulk`` residents get e-mail
about waste collection (topic abfall); ``--urgent`` other residents get SMS for storm warnings
(topic unwetter). One bulk event is posted; while it drains, each try posts one urgent warning
over the web API (the first at 10 % of the bulk out, the others spread up to 70 %) and measures:
seconds until the first SMS is in the outbox, until the last one is, and whether every SMS was out
before the bulk was done. Ends with one JSON line (``first_sms_p95_s``, ``all_sms_before_bulk_done``).
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _HERE)]  # bench/email.py would shadow `email`
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import httpx  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from notify.devstack import DevStack  # noqa: E402
from subscribers.db import init_db, session_scope  # noqa: E402
from subscribers.keys import create_key  # noqa: E402
from subscribers.models import ChannelAddress, Delivery, EventRecord, Subscriber, Subscription, utcnow  # noqa: E402


def seed(db_url: str, bulk: int, urgent: int) -> str:
    init_db(db_url)
    now = utcnow()
    people = range(1, bulk + urgent + 1)
    with session_scope(db_url) as s:
        s.execute(insert(Subscriber), [{"id": i, "public_id": f"u{i}", "status": "active", "language": "de",
                                        "profile": "standard", "frequency": "immediate", "origin": "import",
                                        "created_at": now, "updated_at": now} for i in people])  # fmt: skip
        s.execute(insert(ChannelAddress), [
            {"subscriber_id": i, "channel": "email" if i <= bulk else "sms",
             "address": f"r{i}@example.org" if i <= bulk else f"+49151{i:08d}", "priority": 0, "confirmed_at": now}
            for i in people])  # fmt: skip
        s.execute(insert(Subscription), [{"subscriber_id": i, "topic_id": "abfall" if i <= bulk else "unwetter",
                                          "district_id": "citywide", "created_at": now} for i in people])  # fmt: skip
        return create_key(s, "Bench", ["events:write"])


def post(stack: DevStack, key: str, event: dict) -> None:
    r = httpx.post(f"{stack.web_url}/v1/events", content=json.dumps(event), timeout=60,
                   headers={"authorization": f"Bearer {key}", "content-type": "application/cloudevents+json"})  # fmt: skip
    r.raise_for_status()


def sent(db_url: str, event_id: str) -> int:
    with session_scope(db_url) as s:
        pk = s.execute(select(EventRecord.id).where(EventRecord.event_id == event_id)).scalar()
        if pk is None:
            return 0
        return s.execute(select(func.count()).where(Delivery.event_pk == pk, Delivery.status == "sent")).scalar()


def sms_lines(stack: DevStack) -> int:
    path = stack.data_dir / "outbox" / "sms.jsonl"
    return path.read_text().count("\n") if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--bulk", type=int, default=None)
    parser.add_argument("--urgent", type=int, default=20)
    parser.add_argument("--tries", type=int, default=None)
    args = parser.parse_args()
    bulk = args.bulk or (2_000 if args.quick else 20_000)
    tries = args.tries or (1 if args.quick else 5)
    firsts, lasts, before_bulk = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-urgent-") as tmp:
        stack = DevStack.on_free_ports(Path(tmp) / "var", extra_env={"NOTIFY_SECRET_KEY": "bench",
                                                                      "NOTIFY_PROVIDER_RATE": "100"})  # fmt: skip
        db_url = f"sqlite:///{(stack.data_dir / 'stadtbote.db').resolve()}"
        stack.start_services()
        try:
            key = seed(db_url, bulk, args.urgent)
            stack.start_app()
            stack.wait_ready(300)
            post(stack, key, {"specversion": "1.0", "id": "bulk", "source": "/bench", "type": "de.gelsenkirchen.abfall",
                              "data": {"title": "Müllabfuhr einen Tag später", "topics": ["abfall"], "area": "citywide",
                                       "text": "Wegen des Feiertags kommt die Müllabfuhr einen Tag später."}})  # fmt: skip
            t_bulk = time.monotonic()
            for n in range(tries):
                share = 0.1 + 0.6 * n / max(tries - 1, 1)
                while sent(db_url, "bulk") < bulk * share:
                    time.sleep(0.05)
                base = sms_lines(stack)
                t0 = time.monotonic()
                post(stack, key, {"specversion": "1.0", "id": f"warn-{n}", "source": "/bench", "type": "de.gelsenkirchen.warnung",
                                  "data": {"title": "Unwetterwarnung: Sturm heute Abend", "topics": ["unwetter"],
                                           "area": "citywide", "urgency": "urgent",
                                           "text": "Heute Abend kommt ein Sturm. Bleiben Sie im Haus."}})  # fmt: skip
                first = None
                while sms_lines(stack) - base < args.urgent:
                    if first is None and sms_lines(stack) > base:
                        first = time.monotonic() - t0
                    time.sleep(0.02)
                last = time.monotonic() - t0
                firsts.append(first if first is not None else last)
                lasts.append(last)
                before_bulk.append(sent(db_url, "bulk") < bulk)
                print(f"try {n + 1} (bulk {share:.0%} out): first SMS after {firsts[-1]:.2f} s, all {args.urgent} "
                      f"after {last:.2f} s, bulk still draining: {before_bulk[-1]}", flush=True)  # fmt: skip
            while sent(db_url, "bulk") < bulk:
                time.sleep(0.2)
            bulk_s = time.monotonic() - t_bulk
        finally:
            stack.stop()
    p95 = sorted(firsts)[max(0, round(0.95 * len(firsts)) - 1)]
    print(json.dumps({"benchmark": "urgent", "bulk": bulk, "urgent": args.urgent, "tries": tries,
                      "first_sms_p95_s": round(p95, 2), "first_sms_median_s": round(statistics.median(firsts), 2),
                      "all_sms_median_s": round(statistics.median(lasts), 2),
                      "all_sms_before_bulk_done": all(before_bulk), "bulk_s": round(bulk_s, 1),
                      "load": round(os.getloadavg()[0], 1), "quick": args.quick}))  # fmt: skip


if __name__ == "__main__":
    main()
