"""Adapters for other systems: how fast real documents become events (or reasons).

- every real CAP sample (``../shared/data/real/cap``, 12 files, 5 kB – 215 kB) parsed with
  defusedxml and mapped, ``rounds`` times: documents per second, and the slowest document
  (DWD's 819-warn-cell Glätte alert with its polygons);
- the real NINA MoWaS capture (37 messages) read and mapped;
- one OParl run against the real Hürtgenwald export served on 127.0.0.1 (3 pages, 67 meetings,
  organizations, through httpx).

Ends with one JSON line.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# bench/email.py would shadow the standard library's `email` package: keep this folder off the path.
_sys.path[:] = [p for p in _sys.path if p not in ("", str(_Path(__file__).resolve().parent))]

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sources"))

from oparl_server import OParlServer  # noqa: E402
from source_samples import CAP_DIR, NINA_DIR, OPARL_DIR  # noqa: E402

from notify.sources.alerts import context_for  # noqa: E402
from notify.sources.cap import convert_cap  # noqa: E402
from notify.sources.nina import convert_new, read_file_bytes  # noqa: E402
from notify.sources.oparl import read_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 3 if args.quick else 20
    ctx = context_for("gelsenkirchen")
    docs = [p.read_bytes() for p in sorted(CAP_DIR.glob("*.xml"))]
    convert_cap(docs[0], ctx)  # warm-up: city pack, shapely
    slowest = 0.0
    t0 = time.perf_counter()
    for _ in range(rounds):
        for raw in docs:
            t = time.perf_counter()
            convert_cap(raw, ctx)
            slowest = max(slowest, time.perf_counter() - t)
    cap_s = time.perf_counter() - t0

    nina_raw = (NINA_DIR / "legacy_bbk.mowas_gefahrendurchsagen_2022.json").read_bytes()
    t0 = time.perf_counter()
    for _ in range(rounds):
        convert_new(read_file_bytes(nina_raw), ctx, [])
    nina_s = time.perf_counter() - t0

    with OParlServer(OPARL_DIR) as server:
        runs = []
        for _ in range(max(1, rounds // 4)):
            t0 = time.perf_counter()
            out = read_server(server.url, ctx, {})
            runs.append(time.perf_counter() - t0)
    print(
        json.dumps(
            {
                "benchmark": "sources",
                "cap_documents_per_s": round(rounds * len(docs) / cap_s, 1),
                "cap_slowest_document_ms": round(slowest * 1000, 1),
                "cap_bytes_total": sum(len(d) for d in docs),
                "nina_messages_per_s": round(rounds * 37 / nina_s),
                "oparl_run_s": round(min(runs), 3),
                "oparl_meetings_read": out.archived + out.tombstones + len(out.events) + out.unchanged,
                "quick": args.quick,
                "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
            }
        )
    )


if __name__ == "__main__":
    main()
