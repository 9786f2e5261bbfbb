"""The public archive through the real server: requests/s and p95 on one worker process.

    .venv/bin/python bench/publishing.py            # 100,000 archived messages, 6 s per scenario
    .venv/bin/python bench/publishing.py --quick    # 10,000 messages, 1.5 s per scenario

A SQLite archive is filled with messages spread over the city pack's topics and districts (30 %
city-wide, 10 % warnings, 20 % with dates), then ``notify web`` (uvicorn, one process) serves it
and a small keep-alive HTTP/1.1 client (8 connections, asyncio, in this process) asks:

- ``archive_page``: ``/meldungen`` (the newest 20, HTML);
- ``message_page``: ``/meldungen/<random id>`` (HTML, counts a page view);
- ``filtered_feed``: ``/meldungen/feed.atom?thema=…&gebiet=…`` over every topic × Stadtteil;
- ``conditional_feed``: the same with ``If-None-Match`` of the feed's ETag (answer 304);
- ``healthz``: ``GET /healthz``, the bare server's ceiling at this moment on this machine.

The client and the server share the machine's two cores. The last line of stdout is one JSON
object with requests/s and p95 per scenario and the targets (recorded, not asserted).
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path[:] = [p for p in _sys.path if p not in ("", str(_Path(__file__).resolve().parent))]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

CONNECTIONS = 8
TARGETS = {"conditional_feed_per_s": 1000, "full_pages_per_s": 200, "filtered_feed_p95_ms": 50}


def fill(db_url: str, n: int) -> None:
    """``n`` archived messages, with their event rows, tags and short codes, in bulk."""
    from sqlalchemy import insert

    from notify.publishing.store import CODE_ALPHABET, tags_for
    from subscribers.db import get_engine, init_db
    from subscribers.models import EventRecord
    from subscribers.published import PublishedMessage, PublishedTag, ShortCode
    from topics.catalogue import CITYWIDE, load_catalogue

    init_db(db_url)
    cat = load_catalogue("gelsenkirchen")
    rng = random.Random(7)
    topics, stadtteile = cat.leaf_topics(), cat.stadtteile()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    engine = get_engine(db_url)
    codes: set[str] = set()
    for first in range(1, n + 1, 5000):
        events, messages, tags, shorts = [], [], [], []
        for i in range(first, min(first + 5000, n + 1)):
            topic = rng.choice(topics)
            area = CITYWIDE if rng.random() < 0.3 else [rng.choice(stadtteile)]
            when = start + timedelta(minutes=5 * i)
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(7))
            while code in codes:
                code = "".join(rng.choice(CODE_ALPHABET) for _ in range(7))
            codes.add(code)
            title = f"Meldung {i}: {cat.topics[topic].name}"
            text = (
                "Die Stadt informiert Sie. " * 3
            ) + f"Es geht um {cat.topics[topic].name}. Mehr steht auf der Seite."
            events.append({"id": i, "source": "/bench", "event_id": f"B-{i}", "type": "de.gelsenkirchen.bench",
                           "title": title, "urgency": "normal", "payload": "{}", "status": "matched",
                           "received_at": when})  # fmt: skip
            messages.append({"id": i, "event_pk": i, "source": "/bench", "event_id": f"B-{i}", "code": code,
                             "type": "de.gelsenkirchen.bench", "kind": "message", "title": title, "text": text,
                             "topics": json.dumps([topic]), "area": json.dumps(area),
                             "urgency": "urgent" if rng.random() < 0.1 else "normal", "versions": "[]",
                             "starts_at": when + timedelta(days=3) if rng.random() < 0.2 else None,
                             "published_at": when, "readability_index": 60.0})  # fmt: skip
            shorts.append({"code": code, "message_id": i, "version": ""})
            tags += [{"message_id": i, "kind": k, "value": v} for k, v in tags_for(cat, [topic], area)]
        with engine.begin() as conn:
            conn.execute(insert(EventRecord), events)
            conn.execute(insert(PublishedMessage), messages)
            conn.execute(insert(ShortCode), shorts)
            conn.execute(insert(PublishedTag), tags)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process so far (Linux /proc): what one request costs
    the server, whatever else the machine's cores are doing."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _request(reader, writer, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{extra}\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = b""
    if "content-length" in fields:
        body = await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    return status, fields, body


async def scenario(port: int, seconds: float, make) -> dict:
    """Keep CONNECTIONS connections busy for ``seconds``; ``make()`` gives (path, headers, status)."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                path, headers, expected = make()
                t = time.perf_counter()
                status, _, _ = await _request(reader, writer, path, headers)
                latencies.append(time.perf_counter() - t)
                errors += status != expected
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(CONNECTIONS)))
    took = time.perf_counter() - began
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0
    return {"requests": len(latencies), "per_s": round(len(latencies) / took, 1), "p95_ms": round(1000 * p95, 2),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 2) if latencies else 0.0, "errors": errors}  # fmt: skip


async def etags(port: int, paths: list[str]) -> dict[str, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    out = {}
    for path in paths:
        _, fields, _ = await _request(reader, writer, path, {})
        out[path] = fields["etag"]
    writer.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--messages", type=int)
    parser.add_argument("--pure-python", action="store_true",
                        help="uvicorn on the asyncio loop with the h11 parser (for comparison with uvloop/httptools)")
    args = parser.parse_args()
    n = args.messages or (10_000 if args.quick else 100_000)
    seconds = 1.5 if args.quick else 6.0

    from topics.catalogue import load_catalogue

    cat = load_catalogue("gelsenkirchen")
    with tempfile.TemporaryDirectory(prefix="bench-publishing-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'archive.db'}"
        t = time.perf_counter()
        fill(db_url, n)
        fill_s = time.perf_counter() - t
        port = free_port()
        env = {**os.environ, "DATABASE_URL": db_url, "NOTIFY_DATA_DIR": tmp, "NOTIFY_SECRET_KEY": "bench",
               "NOTIFY_BASE_URL": "https://stadtbote.test", "KAFKA_URL": "kafka://127.0.0.1:1"}  # fmt: skip
        command = [sys.executable, "-m", "notify", "web", "--port", str(port)]
        if args.pure_python:
            command = [sys.executable, "-c", "import uvicorn; from notify.web.app import create_app; "
                       f"uvicorn.run(create_app(), port={port}, loop='asyncio', http='h11', log_level='warning')"]
        server = subprocess.Popen(command, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        try:
            deadline = time.monotonic() + 240  # a loaded machine starts slowly
            while time.monotonic() < deadline:
                if server.poll() is not None:
                    raise SystemExit(f"notify web stopped: {server.stderr.read().decode()[-2000:]}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            rng = random.Random(11)
            feeds = [f"/meldungen/feed.atom?thema={t}&gebiet={d}" for t in cat.leaf_topics() for d in cat.stadtteile()]
            rng.shuffle(feeds)
            tags = asyncio.run(etags(port, feeds[:200]))
            known = list(tags)
            results = {
                "healthz": lambda: ("/healthz", {}, 200),  # the server's ceiling on this machine right now
                "archive_page": lambda: ("/meldungen", {}, 200),
                "message_page": lambda: (f"/meldungen/{rng.randint(1, n)}", {}, 200),
                "filtered_feed": lambda: (rng.choice(feeds), {}, 200),
                "conditional_feed": lambda: ((p := rng.choice(known)), {"If-None-Match": tags[p]}, 304),
            }
            asyncio.run(scenario(port, 0.5, results["archive_page"]))  # warm up
            figures = {}
            for name, make in results.items():
                cpu = cpu_seconds(server.pid)
                figures[name] = asyncio.run(scenario(port, seconds, make))
                used = cpu_seconds(server.pid) - cpu
                # requests one core would serve if the server had it to itself (the client excluded)
                figures[name]["server_cpu_ms"] = round(1000 * used / max(1, figures[name]["requests"]), 3)
                figures[name]["per_core_s"] = round(figures[name]["requests"] / used, 1) if used else None
        finally:
            server.terminate()
            server.wait(timeout=20)
    pages = (figures["archive_page"]["per_s"] + figures["message_page"]["per_s"]) / 2
    load = os.getloadavg()[0]
    summary = {
        "benchmark": "publishing", "messages": n, "fill_s": round(fill_s, 1), "connections": CONNECTIONS,
        **{f"{k}_per_s": v["per_s"] for k, v in figures.items()},
        **{f"{k}_p95_ms": v["p95_ms"] for k, v in figures.items()},
        "server": "asyncio+h11" if args.pure_python else "auto (uvloop+httptools when installed)",
        **{f"{k}_server_cpu_ms": v["server_cpu_ms"] for k, v in figures.items()},
        **{f"{k}_per_core_s": v["per_core_s"] for k, v in figures.items()},
        "full_pages_per_s": round(pages, 1), "errors": sum(v["errors"] for v in figures.values()),
        "load_average_1min": round(load, 1),
        # share of the bare server's rate (GET /healthz) that each scenario keeps: comparable
        # across machines and loads where the absolute figures are not
        "share_of_healthz": {k: round(v["per_s"] / figures["healthz"]["per_s"], 2) for k, v in figures.items()
                             if k != "healthz"},
        "targets": TARGETS,
        "met": {"conditional_feed_per_s": figures["conditional_feed"]["per_s"] >= TARGETS["conditional_feed_per_s"],
                "full_pages_per_s": pages >= TARGETS["full_pages_per_s"],
                "filtered_feed_p95_ms": figures["filtered_feed"]["p95_ms"] <= TARGETS["filtered_feed_p95_ms"]},
    }  # fmt: skip
    for name, v in figures.items():
        print(f"{name:18} {v['per_s']:>9.1f} req/s   p50 {v['p50_ms']:>7.2f} ms   p95 {v['p95_ms']:>7.2f} ms"
              f"   server {v['server_cpu_ms']:.2f} ms CPU ({v['per_core_s']} /s per core)"
              f"   ({v['requests']} requests, {v['errors']} unexpected answers)")  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
