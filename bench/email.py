"""E-mail throughput end to end, against raw SMTP sending to the same server, in one run.

Pipeline: one citywide event → Tansu broker → Faust worker (ingest, match, ledger rows, render,
plain-language gate, SMTP over pooled connections, ledger status) → the embedded aiosmtpd server
(a separate process writing a Maildir). Measured from the event being produced until every
ledger row says "sent".

Raw: aiosmtplib sends the same messages (same templates and size, built before timing) over the
same number of connections to the same server. The ratio says what the pipeline costs on top of SMTP itself.

A run has rounds (3, ``--quick`` 1): each round sends one new event through the pipeline and then
the same messages raw. The ratio is the median of the rounds' ratios: the two halves of a round
run on the same machine within seconds, so a shared VM's changing speed cancels out. An untimed
warm-up event (200 e-mails) goes first: the worker's first event compiles templates and loads the
plain-language checker, which is start-up, not throughput. ``BENCH_ENV="NOTIFY_…=… …"`` passes
settings to the worker for experiments; ``--durable`` runs the durable broker (``notify broker
--durable``: Tansu's S3 engine on our object store on disk) instead of the memory one.
Ends with one JSON line (``pipeline_emails_per_s``, ``raw_smtp_emails_per_s``, ``ratio``).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is called email.py (the benchmark's contract name); keep its folder off the import
# path so that `import email` still finds the standard library.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _HERE)]

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from datetime import UTC

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiosmtplib  # noqa: E402
from aiokafka import AIOKafkaProducer  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from notify.channels.email import EmailSender  # noqa: E402
from notify.devstack import DevStack  # noqa: E402
from notify.events import parse_event  # noqa: E402
from notify.kafka import CITY_EVENTS, ensure_topics, topic_plan  # noqa: E402
from notify.pipeline import Runtime, template_context  # noqa: E402
from notify.settings import Settings  # noqa: E402
from subscribers.db import init_db, session_scope  # noqa: E402
from subscribers.models import ChannelAddress, Delivery, EventRecord, Subscriber, Subscription, utcnow  # noqa: E402
from subscribers.store import Contact  # noqa: E402

CONNECTIONS = 4


WARM_UP = 200  # residents of the untimed warm-up event (another topic)


def seed(db_url: str, n: int) -> None:
    """``n`` residents for the timed events (topic abfall) and ``WARM_UP`` more for the warm-up (parken)."""
    init_db(db_url)
    now = utcnow()
    everyone = range(1, n + WARM_UP + 1)
    with session_scope(db_url) as s:
        s.execute(insert(Subscriber), [{"id": i, "public_id": f"bench{i}", "status": "active", "language": "de",
                                        "profile": "standard", "frequency": "immediate", "origin": "import",
                                        "created_at": now, "updated_at": now} for i in everyone])  # fmt: skip
        s.execute(insert(ChannelAddress), [{"subscriber_id": i, "channel": "email", "address": f"r{i}@example.org",
                                            "priority": 0, "confirmed_at": now} for i in everyone])  # fmt: skip
        s.execute(insert(Subscription), [{"subscriber_id": i, "topic_id": "abfall" if i <= n else "parken",
                                          "district_id": "citywide", "created_at": now} for i in everyone])  # fmt: skip


def bench_event(event_id: str, topic: str = "abfuhr") -> dict:
    return {"specversion": "1.0", "id": event_id, "source": "/bench", "type": "de.gelsenkirchen.abfall",
            "data": {"title": "Müllabfuhr einen Tag später",
                     "text": "Wegen des Feiertags kommt die Müllabfuhr einen Tag später. Bitte stellen Sie die Tonne am neuen Tag an die Straße.",
                     "topics": [topic], "area": "citywide"}}  # fmt: skip


async def produce_event(bootstrap: str, event: dict) -> None:
    await ensure_topics(bootstrap, topic_plan(4))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(CITY_EVENTS, json.dumps(event).encode(), key=event["id"].encode())
    finally:
        await producer.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its running children so far (Linux /proc).

    The broker command starts the Tansu binary as its child, so children count.
    """
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = children.read_text().split() if children.exists() else []
    return own + sum(cpu_seconds(int(kid)) for kid in kids)


def first_sent_at(db_url: str, event_id: str) -> float:
    """When the first e-mail of the event was recorded as sent (Unix time)."""
    with session_scope(db_url) as s:
        pk = s.execute(select(EventRecord.id).where(EventRecord.event_id == event_id)).scalar()
        first = s.execute(select(func.min(Delivery.sent_at)).where(Delivery.event_pk == pk)).scalar()
        return first.replace(tzinfo=first.tzinfo or UTC).timestamp()


def sent_count(db_url: str, event_id: str) -> int:
    with session_scope(db_url) as s:
        pk = s.execute(select(EventRecord.id).where(EventRecord.event_id == event_id)).scalar()
        if pk is None:
            return 0
        return s.execute(select(func.count()).where(Delivery.event_pk == pk, Delivery.status == "sent")).scalar()


def same_messages(event_doc: dict, n: int) -> list[bytes]:
    """The very messages the pipeline sends (same templates, same size), built before timing."""
    rt = Runtime(Settings(secret_key="bench"))
    event = parse_event(event_doc, rt.catalogue)
    sender = EmailSender(pool=None, mail_from=rt.settings.mail_from)
    out = []
    for i in range(n):
        contact = Contact(i, f"raw{i}", None, "de", "standard", {"email": f"raw{i}@example.org"})
        out.append(sender.prepare(f"raw{i}", template_context(rt, event, contact, "de"), f"raw{i}@example.org",
                                  "de", "standard").payload[1])  # fmt: skip
    return out


async def raw_smtp(port: int, messages: list[bytes]) -> float:
    n = len(messages)
    queue: asyncio.Queue = asyncio.Queue()
    for m in messages:
        queue.put_nowait(m)

    async def worker() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await client.connect()
        while not queue.empty():
            await client.sendmail("stadtbote@gelsenkirchen.de", [f"raw{queue.qsize()}@example.org"], queue.get_nowait())
        await client.quit()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    return n / (time.perf_counter() - t0)


def run_pipeline(stack: DevStack, db_url: str, event: dict, n: int) -> tuple[float, float, float, dict[str, float]]:
    """One event through the running worker.

    Returns e-mails/s, seconds in all, seconds until the first e-mail was sent, and CPU seconds
    per process.
    """
    pids = {name: stack.procs[name].pid for name in ("smtp", "worker", "broker")}
    cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    t0, wall0 = time.perf_counter(), time.time()
    asyncio.run(produce_event(f"127.0.0.1:{stack.kafka_port}", event))
    deadline = t0 + 600
    done = 0
    while done < n and time.perf_counter() < deadline:
        time.sleep(0.05)
        done = sent_count(db_url, event["id"])
    seconds = time.perf_counter() - t0
    cpu = {name: cpu_seconds(pid) - cpu0[name] for name, pid in pids.items()}
    return done / seconds, seconds, first_sent_at(db_url, event["id"]) - wall0, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 e-mails, one round (CI)")
    parser.add_argument("--rounds", type=int, help="pipeline/raw rounds (default 3, quick 1)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and logs for a look afterwards")
    parser.add_argument("--durable", action="store_true", help="the durable broker (data on disk) instead of memory")
    args = parser.parse_args()
    n = 1_000 if args.quick else 10_000
    rounds = args.rounds or (1 if args.quick else 3)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-email-"))
    stack = DevStack.on_free_ports(
        data_dir,
        extra_env={
            "NOTIFY_SMTP_CONNECTIONS": str(CONNECTIONS),
            **dict(a.split("=", 1) for a in os.environ.get("BENCH_ENV", "").split()),
        },
        broker_durable=data_dir / "broker" if args.durable else None,
    )
    db_url = f"sqlite:///{(data_dir / 'stadtbote.db').resolve()}"
    pipeline_rates, raw_rates, ratios, cpu_ms = [], [], [], {"smtp": [], "worker": [], "broker": [], "raw_smtp": []}
    busy, firsts = [], []
    try:
        stack.start_services()
        seed(db_url, n)
        stack.start_app(web=False)
        stack.wait_ready(180)
        # Untimed warm-up: the worker's first event compiles templates, loads the plain-language
        # checker and opens the SMTP connections. That is start-up, not throughput.
        run_pipeline(stack, db_url, bench_event("WARM-UP", "parken"), WARM_UP)
        for r in range(1, rounds + 1):
            event = bench_event(f"BENCH-{r}")
            rate, seconds, first, cpu = run_pipeline(stack, db_url, event, n)
            firsts.append(first)
            # Raw right after, with the very same messages: both halves of a round see the same
            # machine, so the ratio of a round is fair even when the shared VM's speed drifts.
            messages = same_messages(event, n)
            sink_before = cpu_seconds(stack.procs["smtp"].pid)
            raw = asyncio.run(raw_smtp(stack.smtp_port, messages))
            cpu_ms["raw_smtp"].append((cpu_seconds(stack.procs["smtp"].pid) - sink_before) / n * 1000)
            for name, used in cpu.items():
                cpu_ms[name].append(used / n * 1000)
            busy.append(sum(cpu.values()) / seconds)
            pipeline_rates.append(rate)
            raw_rates.append(raw)
            ratios.append(rate / raw)
            print(f"round {r}: pipeline {rate:.0f}/s ({n} in {seconds:.1f} s, first after {first:.2f} s), raw {raw:.0f}/s, ratio {rate / raw:.2f}",
                  file=sys.stderr)  # fmt: skip
        stored = len(list((data_dir / "mail" / "new").glob("*")))
    finally:
        stack.stop()
        if args.keep:
            print(f"data dir kept: {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    med = statistics.median
    print(json.dumps({
        "benchmark": "email",
        "broker": "durable" if args.durable else "memory",
        "emails": n,
        "rounds": rounds,
        "pipeline_emails_per_s": round(med(pipeline_rates), 1),
        "raw_smtp_emails_per_s": round(med(raw_rates), 1),
        "ratio": round(med(ratios), 2),
        "ratios": [round(x, 2) for x in ratios],
        "first_email_after_s": round(med(firsts), 2),
        "stored_in_maildir": stored,
        "smtp_server_cpu_ms_per_email_pipeline": round(med(cpu_ms["smtp"]), 2),
        "smtp_server_cpu_ms_per_email_raw": round(med(cpu_ms["raw_smtp"]), 2),
        "worker_cpu_ms_per_email": round(med(cpu_ms["worker"]), 2),
        "broker_cpu_ms_per_email": round(med(cpu_ms["broker"]), 2),
        "pipeline_cores_busy": round(med(busy), 2),
        "smtp_connections": CONNECTIONS,
        "quick": args.quick,
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
    }))  # fmt: skip


if __name__ == "__main__":
    main()
