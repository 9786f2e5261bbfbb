"""E-mail throughput end to end, against raw SMTP sending to the same server, in one run.

Pipeline: one citywide event → Tansu broker → Faust worker (ingest, match, ledger rows, render,
plain-language gate, SMTP over pooled connections, ledger status) → the embedded aiosmtpd server
(a separate process writing a Maildir). Measured from the event being produced until every
ledger row says "sent".

Raw: aiosmtplib sends the same messages (same templates and size, built before timing) over the
same number of connections to the same server. The ratio says what the pipeline costs on top of SMTP itself.
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
import tempfile
import time

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


def seed(db_url: str, n: int) -> None:
    init_db(db_url)
    now = utcnow()
    with session_scope(db_url) as s:
        s.execute(insert(Subscriber), [{"id": i, "public_id": f"bench{i}", "status": "active", "language": "de",
                                        "profile": "standard", "frequency": "immediate", "origin": "import",
                                        "created_at": now, "updated_at": now} for i in range(1, n + 1)])  # fmt: skip
        s.execute(insert(ChannelAddress), [{"subscriber_id": i, "channel": "email", "address": f"r{i}@example.org",
                                            "priority": 0, "confirmed_at": now} for i in range(1, n + 1)])  # fmt: skip
        s.execute(insert(Subscription), [{"subscriber_id": i, "topic_id": "abfall", "district_id": "citywide",
                                          "created_at": now} for i in range(1, n + 1)])  # fmt: skip


async def produce_event(bootstrap: str, event: dict) -> None:
    await ensure_topics(bootstrap, topic_plan(4))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(CITY_EVENTS, json.dumps(event).encode(), key=event["id"].encode())
    finally:
        await producer.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 e-mails instead of 10,000 (CI)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and logs for a look afterwards")
    args = parser.parse_args()
    n = 1_000 if args.quick else 10_000
    data_dir = Path(tempfile.mkdtemp(prefix="bench-email-"))
    stack = DevStack.on_free_ports(data_dir, extra_env={"NOTIFY_SMTP_CONNECTIONS": str(CONNECTIONS)})
    db_url = f"sqlite:///{(data_dir / 'stadtbote.db').resolve()}"
    try:
        stack.start_services()
        seed(db_url, n)
        stack.start_app(web=False)
        stack.wait_ready(180)
        event = {"specversion": "1.0", "id": "BENCH-1", "source": "/bench", "type": "de.gelsenkirchen.abfall",
                 "data": {"title": "Müllabfuhr einen Tag später",
                          "text": "Wegen des Feiertags kommt die Müllabfuhr einen Tag später. Bitte stellen Sie die Tonne am neuen Tag an die Straße.",
                          "topics": ["abfuhr"], "area": "citywide"}}  # fmt: skip
        bootstrap = f"127.0.0.1:{stack.kafka_port}"
        sink_pid, worker_pid = stack.procs["smtp"].pid, stack.procs["worker"].pid
        sink0, worker0 = cpu_seconds(sink_pid), cpu_seconds(worker_pid)
        t0 = time.perf_counter()
        asyncio.run(produce_event(bootstrap, event))
        deadline = t0 + 600
        done = 0
        while done < n and time.perf_counter() < deadline:
            time.sleep(0.1)
            done = sent_count(db_url, "BENCH-1")
        pipeline_s = time.perf_counter() - t0
        pipeline_rate = done / pipeline_s
        print(f"pipeline: {done} of {n} e-mails sent in {pipeline_s:.1f} s", file=sys.stderr)
        sink1, worker1 = cpu_seconds(sink_pid), cpu_seconds(worker_pid)
        messages = same_messages(event, n)
        raw_rate = asyncio.run(raw_smtp(stack.smtp_port, messages))
        sink2 = cpu_seconds(sink_pid)
        stored = len(list((data_dir / "mail" / "new").glob("*")))
    finally:
        stack.stop()
        if args.keep:
            print(f"data dir kept: {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps({
        "benchmark": "email",
        "emails": n,
        "pipeline_emails_per_s": round(pipeline_rate, 1),
        "raw_smtp_emails_per_s": round(raw_rate, 1),
        "ratio": round(pipeline_rate / raw_rate, 2),
        "stored_in_maildir": stored,
        "smtp_server_cpu_ms_per_email_pipeline": round((sink1 - sink0) / n * 1000, 2),
        "smtp_server_cpu_ms_per_email_raw": round((sink2 - sink1) / n * 1000, 2),
        "worker_cpu_ms_per_email": round((worker1 - worker0) / n * 1000, 2),
        "smtp_connections": CONNECTIONS,
        "quick": args.quick,
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
    }))  # fmt: skip


if __name__ == "__main__":
    main()
