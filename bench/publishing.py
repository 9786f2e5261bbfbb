"""The public archive through the real server: requests/s and p95 on one worker process.

    .venv/bin/python bench/publishing.py            # 100,000 archived messages, 6 s per scenario
    .venv/bin/python bench/publishing.py --quick    # 10,000 messages, 1.5 s per scenario
    .venv/bin/python bench/publishing.py --compare /tmp/main-src   # before/after in one run

A SQLite archive is filled with messages spread over the city pack's topics and districts (30 %
city-wide, 10 % warnings, 20 % with dates), then ``notify web`` (uvicorn, one process) serves it
and a small keep-alive HTTP/1.1 client (8 connections, asyncio, in this process) asks:

- ``archive_page``: ``/meldungen`` (the newest 20, HTML);
- ``message_page``: ``/meldungen/<random id>`` (HTML, counts a page view);
- ``filtered_feed``: ``/meldungen/feed.atom?thema=…&gebiet=…`` over every topic × Stadtteil;
- ``conditional_feed``: the same with ``If-None-Match`` of the feed's ETag (answer 304);
- ``fresh_feed``: the filtered feeds again while the bench publishes two messages a second into
  the archive (as the worker does): each publication changes every feed's ETag, so nearly every
  answer is a feed built anew — the moment after a publication, when every reader polls;
- ``healthz``: ``GET /healthz``, the bare server's ceiling at this moment on this machine.

``--compare DIR`` starts a second server from another source tree (e.g. ``git archive main |
tar -x -C DIR``) on the same archive and runs each scenario on both, one right after the other
(the order alternating), so that before and after are measured under the same load; the JSON
line then has ``compare``: per scenario [other, this] figures, ``speedup`` and ``cpu_ratio``.

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
import threading  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

CONNECTIONS = 8
PUBLISH_EVERY = 0.5  # seconds between publications in the fresh_feed scenario (a busy hour, compressed)
TARGETS = {"conditional_feed_per_s": 1000, "full_pages_per_s": 200, "filtered_feed_p95_ms": 50}


def _rows(cat, rng: random.Random, i: int, codes: set[str], when: datetime) -> tuple[dict, dict, dict, list[dict]]:
    """Message ``i`` as rows: its event, the archived message, its short code and its tags."""
    from notify.publishing.store import CODE_ALPHABET, tags_for
    from topics.catalogue import CITYWIDE

    topic = rng.choice(cat.leaf_topics())
    area = CITYWIDE if rng.random() < 0.3 else [rng.choice(cat.stadtteile())]
    code = "".join(rng.choice(CODE_ALPHABET) for _ in range(7))
    while code in codes:
        code = "".join(rng.choice(CODE_ALPHABET) for _ in range(7))
    codes.add(code)
    title = f"Meldung {i}: {cat.topics[topic].name}"
    text = ("Die Stadt informiert Sie. " * 3) + f"Es geht um {cat.topics[topic].name}. Mehr steht auf der Seite."
    event = {"id": i, "source": "/bench", "event_id": f"B-{i}", "type": "de.gelsenkirchen.bench", "title": title,
             "urgency": "normal", "payload": "{}", "status": "matched", "received_at": when}  # fmt: skip
    message = {"id": i, "event_pk": i, "source": "/bench", "event_id": f"B-{i}", "code": code,
               "type": "de.gelsenkirchen.bench", "kind": "message", "title": title, "text": text,
               "topics": json.dumps([topic]), "area": json.dumps(area),
               "urgency": "urgent" if rng.random() < 0.1 else "normal", "versions": "[]",
               "starts_at": when + timedelta(days=3) if rng.random() < 0.2 else None,
               "published_at": when, "readability_index": 60.0}  # fmt: skip
    tags = [{"message_id": i, "kind": k, "value": v} for k, v in tags_for(cat, [topic], area)]
    return event, message, {"code": code, "message_id": i, "version": ""}, tags


def _insert(engine, batch: list[tuple[dict, dict, dict, list[dict]]]) -> None:
    from sqlalchemy import insert

    from subscribers.models import EventRecord
    from subscribers.published import PublishedMessage, PublishedTag, ShortCode

    with engine.begin() as conn:
        conn.execute(insert(EventRecord), [b[0] for b in batch])
        conn.execute(insert(PublishedMessage), [b[1] for b in batch])
        conn.execute(insert(ShortCode), [b[2] for b in batch])
        conn.execute(insert(PublishedTag), [t for b in batch for t in b[3]])


def fill(db_url: str, n: int) -> None:
    """``n`` archived messages, with their event rows, tags and short codes, in bulk (30 %
    city-wide, 10 % warnings, 20 % with dates, one every five minutes from 2026-01-01)."""
    from subscribers.db import get_engine, init_db
    from topics.catalogue import load_catalogue

    init_db(db_url)
    cat = load_catalogue("gelsenkirchen")
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    engine = get_engine(db_url)
    codes: set[str] = set()
    for first in range(1, n + 1, 5000):
        _insert(engine, [_rows(cat, rng, i, codes, start + timedelta(minutes=5 * i))
                         for i in range(first, min(first + 5000, n + 1))])  # fmt: skip
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


class Publisher(threading.Thread):
    """Publishes one message every ``every`` seconds into the archive while a scenario runs, as
    the worker does when the city sends: each publication changes every feed's ETag, so every
    feed asked for afterwards is built anew."""

    def __init__(self, db_url: str, first: int, every: float) -> None:
        super().__init__(daemon=True)
        from subscribers.db import get_engine
        from topics.catalogue import load_catalogue

        self.engine, self.cat, self.every = get_engine(db_url), load_catalogue("gelsenkirchen"), every
        self.next_id, self.rng, self.codes = first, random.Random(first), set()
        self.stopped, self.published = threading.Event(), 0

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            _insert(self.engine, [_rows(self.cat, self.rng, self.next_id, self.codes, datetime.now(UTC))])
            self.next_id += 1
            self.published += 1


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


def start_server(db_url: str, tmp: str, code: str | None, pure_python: bool) -> tuple[subprocess.Popen, int]:
    """``notify web`` (one process) on a free port; ``code``: another checkout's source tree (for
    ``--compare``), imported before this one's."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "NOTIFY_DATA_DIR": str(Path(tmp) / f"var-{port}"),
           "NOTIFY_SECRET_KEY": "bench", "NOTIFY_BASE_URL": "https://stadtbote.test",
           "KAFKA_URL": "kafka://127.0.0.1:1"}  # fmt: skip
    if code:
        env["PYTHONPATH"] = code
    command = [sys.executable, "-m", "notify", "web", "--port", str(port)]
    if pure_python:
        command = [sys.executable, "-c", "import uvicorn; from notify.web.app import create_app; "
                   f"uvicorn.run(create_app(), port={port}, loop='asyncio', http='h11', log_level='warning')"]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=code or None, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"notify web stopped: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("notify web did not start in 240 s")


def measure(server: subprocess.Popen, port: int, seconds: float, make) -> dict:
    cpu = cpu_seconds(server.pid)
    figure = asyncio.run(scenario(port, seconds, make))
    used = cpu_seconds(server.pid) - cpu
    # requests one core would serve if the server had it to itself (the client excluded)
    figure["server_cpu_ms"] = round(1000 * used / max(1, figure["requests"]), 3)
    figure["per_core_s"] = round(figure["requests"] / used, 1) if used else None
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--messages", type=int)
    parser.add_argument("--pure-python", action="store_true",
                        help="uvicorn on the asyncio loop with the h11 parser (for comparison with uvloop/httptools)")
    parser.add_argument("--compare", metavar="DIR",
                        help="another checkout's source tree (e.g. `git archive main | tar -x -C DIR`): its server "
                             "runs every scenario right after or before this one's, on the same archive")  # fmt: skip
    args = parser.parse_args()
    n = args.messages or (10_000 if args.quick else 100_000)
    seconds = 1.5 if args.quick else 6.0

    from topics.catalogue import load_catalogue

    cat = load_catalogue("gelsenkirchen")
    servers: dict[str, tuple[subprocess.Popen, int]] = {}
    publisher = None
    with tempfile.TemporaryDirectory(prefix="bench-publishing-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'archive.db'}"
        t = time.perf_counter()
        fill(db_url, n)
        fill_s = time.perf_counter() - t
        try:
            servers["this"] = start_server(db_url, tmp, None, args.pure_python)
            if args.compare:
                servers["other"] = start_server(db_url, tmp, str(Path(args.compare).resolve()), args.pure_python)
            rng = random.Random(11)
            feeds = [f"/meldungen/feed.atom?thema={t}&gebiet={d}" for t in cat.leaf_topics() for d in cat.stadtteile()]
            rng.shuffle(feeds)
            tags = {name: asyncio.run(etags(port, feeds[:200])) for name, (_, port) in servers.items()}
            known = feeds[:200]
            results = {
                "healthz": lambda _: ("/healthz", {}, 200),  # the server's ceiling on this machine right now
                "archive_page": lambda _: ("/meldungen", {}, 200),
                "message_page": lambda _: (f"/meldungen/{rng.randint(1, n)}", {}, 200),
                "filtered_feed": lambda _: (rng.choice(feeds), {}, 200),
                "conditional_feed": lambda who: ((p := rng.choice(known)), {"If-None-Match": tags[who][p]}, 304),
                # the same feeds while the city publishes a message a second: every feed is built anew
                "fresh_feed": lambda _: (rng.choice(feeds), {}, 200),
            }
            for _, port in servers.values():
                asyncio.run(scenario(port, 0.5, lambda: results["archive_page"](None)))  # warm up
            figures: dict[str, dict[str, dict]] = {name: {} for name in servers}
            for round_, (name, make) in enumerate(results.items()):
                if name == "fresh_feed":
                    publisher = Publisher(db_url, n + 1, PUBLISH_EVERY)
                    publisher.start()
                order = list(servers) if round_ % 2 == 0 else list(reversed(servers))  # neither always goes first
                for who in order:
                    server, port = servers[who]
                    figures[who][name] = measure(server, port, seconds, lambda who=who, make=make: make(who))
        finally:
            if publisher is not None:
                publisher.stopped.set()
                publisher.join()
            for server, _ in servers.values():
                server.terminate()
                server.wait(timeout=20)
    mine = figures["this"]
    pages = (mine["archive_page"]["per_s"] + mine["message_page"]["per_s"]) / 2
    load = os.getloadavg()[0]
    summary = {
        "benchmark": "publishing", "messages": n, "fill_s": round(fill_s, 1), "connections": CONNECTIONS,
        **{f"{k}_per_s": v["per_s"] for k, v in mine.items()},
        **{f"{k}_p95_ms": v["p95_ms"] for k, v in mine.items()},
        "server": "asyncio+h11" if args.pure_python else "auto (uvloop+httptools when installed)",
        **{f"{k}_server_cpu_ms": v["server_cpu_ms"] for k, v in mine.items()},
        **{f"{k}_per_core_s": v["per_core_s"] for k, v in mine.items()},
        "full_pages_per_s": round(pages, 1), "errors": sum(v["errors"] for f in figures.values() for v in f.values()),
        "published_during_fresh_feed": publisher.published if publisher else 0,
        "load_average_1min": round(load, 1),
        # share of the bare server's rate (GET /healthz) that each scenario keeps: comparable
        # across machines and loads where the absolute figures are not
        "share_of_healthz": {k: round(v["per_s"] / mine["healthz"]["per_s"], 2) for k, v in mine.items()
                             if k != "healthz"},
        "targets": TARGETS,
        "met": {"conditional_feed_per_s": mine["conditional_feed"]["per_s"] >= TARGETS["conditional_feed_per_s"],
                "full_pages_per_s": pages >= TARGETS["full_pages_per_s"],
                "filtered_feed_p95_ms": mine["filtered_feed"]["p95_ms"] <= TARGETS["filtered_feed_p95_ms"],
                "fresh_feed_p95_ms": mine["fresh_feed"]["p95_ms"] <= TARGETS["filtered_feed_p95_ms"]},
    }  # fmt: skip
    if args.compare:
        other = figures["other"]
        summary["compare"] = {"other": str(args.compare), **{k: {
            "per_s": [other[k]["per_s"], v["per_s"]], "p95_ms": [other[k]["p95_ms"], v["p95_ms"]],
            "server_cpu_ms": [other[k]["server_cpu_ms"], v["server_cpu_ms"]],
            "speedup": round(v["per_s"] / other[k]["per_s"], 2) if other[k]["per_s"] else None,
            "cpu_ratio": round(other[k]["server_cpu_ms"] / v["server_cpu_ms"], 2) if v["server_cpu_ms"] else None,
        } for k, v in mine.items()}}  # fmt: skip
    for who, rows in figures.items():
        for name, v in rows.items():
            label = name if who == "this" else f"{name} (other)"
            print(f"{label:26} {v['per_s']:>9.1f} req/s   p50 {v['p50_ms']:>7.2f} ms   p95 {v['p95_ms']:>7.2f} ms"
                  f"   server {v['server_cpu_ms']:.2f} ms CPU ({v['per_core_s']} /s per core)"
                  f"   ({v['requests']} requests, {v['errors']} unexpected answers)")  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
