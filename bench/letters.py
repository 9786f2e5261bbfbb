"""Letters per second: the production batch (``LetterBatch``) versus one PDF per letter.

    .venv/bin/python bench/letters.py            # 30 single letters, 300 in the batch
    .venv/bin/python bench/letters.py --quick    # CI-sized: 5 single, 40 in the batch
    .venv/bin/python bench/letters.py --day 10000  # a letter day: time, print files, peak RSS

Figures are recorded, not asserted (ARCHITECTURE.md: benchmarks record figures). The last line of
stdout is one JSON object:

- ``letters_per_s_batch``: the production path, ``LetterBatch.add`` for every letter and then
  ``close()`` as the worker calls it: pre-flight, duplex padding, manifest, disk I/O, and the
  layout split over worker processes when the batch is large enough (``batch_processes`` says
  how many ran; 1 = in-process).
- ``letters_per_s_batch_in_process``: the same with ``close(workers=1)`` (full run only), to
  show what the processes bring.
- ``letters_per_s_one_document``: all letters in one WeasyPrint document in this process, no
  pre-flight, no files: the ceiling of a single core.
- ``letters_per_s_single``: one PDF per letter (``render_letter_pdf``).
- ``letters_per_s_single_with_preflight``: the same plus each letter's pre-flight, like for like
  with the batch (which always checks).
- ``speedup``: batch / single (as the issue defines it).

Every path includes everything from the template context to the PDF bytes (templates, QR codes,
layout, PDF writing). ``--no-preflight`` closes the batch with ``check=False``.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# bench/email.py (a contract name) would shadow the standard library's `email` package for every
# script in this folder; keep the folder itself off the import path.
_sys.path[:] = [p for p in _sys.path if p not in ("", str(_Path(__file__).resolve().parent))]

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notify.channels.letter import (  # noqa: E402
    Letter,
    qr_data_uri,
    render_letter_content,
    render_letter_pdf,
    write_pdf,
)
from notify.channels.letter_batch import LetterBatch, render_batch  # noqa: E402
from notify.channels.letter_preflight import preflight, preflight_pdf_pages  # noqa: E402
from notify.events import parse_event  # noqa: E402
from topics.catalogue import load_catalogue  # noqa: E402

TEXT = (
    "Ab Montag, 3. März, ist die Hauptstraße zwischen Markt und Bahnhof gesperrt. "
    "Der Grund: Wir erneuern die Wasserleitung.\n\n"
    "Die Busse fahren eine Umleitung. Die Haltestelle Markt fällt weg. "
    "Bitte nutzen Sie die Haltestelle Rathaus.\n\n"
    "Die Arbeiten dauern bis Freitag, 28. März. Zu Fuß und mit dem Rad kommen Sie immer durch."
)


def sample_context(i: int) -> dict:
    event = parse_event(
        {
            "specversion": "1.0",
            "id": "bench-1",
            "source": "/baustellen",
            "type": "de.gelsenkirchen.baustelle",
            "data": {
                "title": "Sperrung der Hauptstraße",
                "text": TEXT,
                "topics": ["baustellen"],
                "area": ["buer"],
                "link": "https://www.gelsenkirchen.de/baustellen/hauptstrasse",
            },
        },
        load_catalogue(),
    )
    return {
        "event": event,
        "title": event.data.title,
        "text": event.data.text,
        "link": str(event.data.link),
        "manage_url": f"https://stadtbote.gelsenkirchen.de/s/{i:06d}.Zm9vYmFy",
        "unsubscribe_url": f"https://stadtbote.gelsenkirchen.de/u/{i:06d}.Zm9vYmFy",
        "recipient": {
            "name": f"Person {i}",
            "postal_address": [f"Person {i}", f"Musterweg {i % 200 + 1}", "45894 Gelsenkirchen"],
        },
        "city": "Gelsenkirchen",
        "sender": {
            "name": "Referat Öffentlichkeitsarbeit",
            "address": ["Ebertstraße 11", "45879 Gelsenkirchen"],
            "phone": "0209 169-0",
            "email": "stadtbote@gelsenkirchen.de",
            "web": "www.gelsenkirchen.de",
        },
        "today": date(2027, 3, 12),
    }


def bench_single(n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        render_letter_pdf(sample_context(i))
    return n / (time.perf_counter() - start)


def bench_single_with_preflight(n: int) -> float:
    """One PDF per letter plus its pre-flight: what a print-ready single letter costs."""
    start = time.perf_counter()
    for i in range(n):
        problems = preflight(render_letter_pdf(sample_context(40_000 + i)))
        assert not problems, problems
    return n / (time.perf_counter() - start)


def bench_one_document(n: int, offset: int) -> tuple[float, dict[str, float]]:
    """Letters/s of one WeasyPrint document in this process, and where the time goes (ms per letter).

    The phases show what a batch can save: only what a single PDF pays once per document. The
    personal QR code, the layout of each page and the pre-flight of each page stay per letter.
    """
    start = time.perf_counter()
    qr_start = time.perf_counter()
    for i in range(n):  # the personal QR code of each letter (the event's QR is cached)
        qr_data_uri(sample_context(offset + i)["manage_url"])
    qr = time.perf_counter() - qr_start
    letters = [Letter(sample_context(offset + i)) for i in range(n)]
    for letter in letters:
        letter.html = render_letter_content(letter)
    templates = time.perf_counter() - start - qr
    t = time.perf_counter()
    rendered = render_batch(letters)
    layout = time.perf_counter() - t
    t = time.perf_counter()
    pdf = write_pdf(rendered.document)
    write = time.perf_counter() - t
    total = time.perf_counter() - start
    t = time.perf_counter()
    preflight_pdf_pages(pdf, rendered.page_ranges)
    preflight = time.perf_counter() - t
    pages = sum(len(r) for r in rendered.page_ranges)
    phases = {
        "qr_ms": qr / n * 1000,
        "templates_ms": templates / n * 1000,
        "layout_ms": layout / n * 1000,
        "pdf_write_ms": write / n * 1000,
        "preflight_ms": preflight / n * 1000,
        "pages_per_letter": pages / n,
    }
    return n / total, phases


def bench_letter_batch(n: int, offset: int, check: bool, workers: int | None = None) -> tuple[float, int]:
    """Letters per second of ``LetterBatch`` add + close, and how many processes laid it out."""
    with tempfile.TemporaryDirectory() as tmp:
        batch = LetterBatch(tmp, date(2027, 3, 12))
        start = time.perf_counter()
        for i in range(n):
            # As the letter channel adds them: with the resident key, so each is ready to share a letter.
            batch.add(sample_context(offset + i), ref=f"delivery-{i}", group=f"resident-{i}")
        files = batch.close(check=check, workers=workers)
        return n / (time.perf_counter() - start), files.processes


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * 4096
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total / 1e6


def bench_day(n: int, check: bool) -> dict:
    """A letter day as the worker closes it: ``n`` letters added, then ``close()`` with the
    defaults (print files of ``NOTIFY_LETTER_PRINT_FILE_LETTERS``, one process per CPU); the
    resident memory of this process and its children is sampled every 0.2 s."""
    import os
    import threading

    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss_mb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        batch = LetterBatch(tmp, date(2027, 3, 12))
        start = time.perf_counter()
        for i in range(n):
            batch.add(sample_context(40_000 + i), ref=f"delivery-{i}", group=f"resident-{i}")
        added = time.perf_counter()
        files = batch.close(check=check)
        closed = time.perf_counter()
        sizes = [p.stat().st_size / 1e6 for p in files.pdfs]
        printed = sum(1 for e in files.entries if e.status == "ok")
    done.set()
    sampler.join()
    return {
        "benchmark": "letter_day",
        "letters": n,
        "printed": printed,
        "print_files": len(sizes),
        "largest_print_file_mb": round(max(sizes, default=0), 1),
        "add_s": round(added - start, 1),
        "close_s": round(closed - added, 1),
        "total_s": round(closed - start, 1),
        "letters_per_s": round(n / (closed - start), 1),
        "processes": files.processes,
        "peak_rss_mb": round(peak[0]),
        "preflight": check,
        "load_average": round(max(load, os.getloadavg()[0]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized run")
    parser.add_argument("--single", type=int, help="letters rendered one PDF each")
    parser.add_argument("--batch", type=int, help="letters in the batch")
    parser.add_argument("--no-preflight", action="store_true", help="close the batch without pre-flight")
    parser.add_argument("--day", type=int, help="a whole letter day of this many letters (time, peak memory)")
    args = parser.parse_args()
    if args.day:
        figures = bench_day(args.day, not args.no_preflight)
        print(json.dumps(figures))
        return
    n_single = args.single or (5 if args.quick else 30)
    n_batch = args.batch or (40 if args.quick else 300)
    check = not args.no_preflight

    render_letter_pdf(sample_context(0))  # warm-up: fonts, stylesheet, templates
    single = bench_single(n_single)
    print(f"single: {n_single} letters, {single:.1f} letters/s", file=sys.stderr)
    single_checked = bench_single_with_preflight(n_single)
    print(f"single with pre-flight: {single_checked:.1f} letters/s", file=sys.stderr)
    one_document, phases = bench_one_document(n_batch, offset=10_000)
    print(f"one document, one process: {n_batch} letters, {one_document:.1f} letters/s", file=sys.stderr)
    print("  ms per letter: " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items()), file=sys.stderr)
    batch, processes = bench_letter_batch(n_batch, offset=20_000, check=check)
    mode = "parallel" if processes > 1 else "in-process"
    print(
        f"LetterBatch add+close ({'with' if check else 'no'} pre-flight, {mode}, {processes} process(es)): "
        f"{n_batch} letters, {batch:.1f} letters/s",
        file=sys.stderr,
    )
    figures = {
        "letters_single": n_single,
        "letters_batch": n_batch,
        "preflight": check,
        "batch_mode": mode,
        "batch_processes": processes,
        "letters_per_s_single": round(single, 2),
        "letters_per_s_single_with_preflight": round(single_checked, 2),
        "letters_per_s_one_document": round(one_document, 2),
        "letters_per_s_batch": round(batch, 2),
        "ms_per_letter_single": round(1000 / single, 1),
        "ms_per_letter_in_one_document": {k: round(v, 2) for k, v in phases.items()},
    }
    if not args.quick:
        in_process, _ = bench_letter_batch(n_batch, offset=30_000, check=check, workers=1)
        print(f"LetterBatch add+close, in-process: {in_process:.1f} letters/s", file=sys.stderr)
        figures["letters_per_s_batch_in_process"] = round(in_process, 2)
    figures["speedup"] = round(batch / single, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
