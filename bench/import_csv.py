"""CSV import at city scale: ``notify subscribers import`` on 200,000 rows, as an operator runs it.

A real CLI process against a fresh SQLite database (the default) or ``--database-url`` PostgreSQL,
with a Tansu broker running so the workers are told about every new subscriber (that is part of
the import's time). Rows mix e-mail, SMS and letter residents, 1–3 topics and 1–2 districts.
Measured: wall time, rows per second, the CLI's peak RSS; then a second run of the same file
(nothing changed: the re-run cost). Ends with one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/email.py would shadow the standard library's email package for scripts run from bench/.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _HERE)]

import argparse
import json
import os
import random
import resource
import subprocess
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notify.devstack import free_port  # noqa: E402
from notify.embedded.broker import start_broker  # noqa: E402
from topics.catalogue import load_catalogue  # noqa: E402


def write_csv(path: Path, n: int) -> None:
    cat = load_catalogue("gelsenkirchen")
    topics = [t for t, node in cat.topics.items() if node.parent is not None] or list(cat.topics)
    districts = list(cat.districts) + ["citywide"]
    rnd = random.Random(7)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("email,name,topics,districts,channels,phone,postal_address,language,profile\n")
        for i in range(n):
            kind = rnd.random()
            row_topics = ";".join(rnd.sample(topics, rnd.randint(1, 3)))
            row_districts = ";".join(rnd.sample(districts, rnd.randint(1, 2)))
            if kind < 0.8:
                fh.write(f"r{i}@example.org,Person {i},{row_topics},{row_districts},email,,,de,standard\n")
            elif kind < 0.9:
                fh.write(f",Person {i},{row_topics},{row_districts},sms,+49151{i:08d},,de,einfach\n")
            else:
                fh.write(
                    f",Person {i},{row_topics},{row_districts},letter,,Person {i} | Weg {i} | 45879 Gelsenkirchen,de,leicht\n"
                )


def run_import(env: dict, csv_path: Path) -> tuple[float, float, float, str]:
    """Wall seconds, the CLI's CPU seconds (user + system: less sensitive to a loaded machine),
    its peak RSS in MB and what it said."""
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "notify", "subscribers", "import", str(csv_path)], env=env,
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
    # ru_maxrss of children is the largest child so far: the broker is not our child (Popen'd
    # children count only once waited for), so this is the CLI.
    return seconds, cpu, after.ru_maxrss / 1024, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    n = args.rows or (20_000 if args.quick else 200_000)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        csv_path = work / "residents.csv"
        write_csv(csv_path, n)
        port = free_port()
        broker = start_broker("127.0.0.1", port, log=work / "broker.log")
        try:
            env = {**os.environ, "NOTIFY_DATA_DIR": str(work / "var"), "KAFKA_URL": f"kafka://127.0.0.1:{port}"}
            if args.database_url:
                env["DATABASE_URL"] = args.database_url
            load = os.getloadavg()[0]
            seconds, cpu, peak_mb, said = run_import(env, csv_path)
            print(f"first import: {n} rows in {seconds:.1f} s ({n / seconds:,.0f} rows/s; CPU {cpu:.1f} s), "
                  f"peak RSS {peak_mb:.0f} MB: {said}", file=sys.stderr)  # fmt: skip
            again_s, again_cpu, _, said_again = run_import(env, csv_path)
            print(f"same file again: {again_s:.1f} s (CPU {again_cpu:.1f} s): {said_again}", file=sys.stderr)
            load = max(load, os.getloadavg()[0])
        finally:
            broker.terminate()
            broker.wait(10)
    print(json.dumps({"benchmark": "import", "rows": n, "seconds": round(seconds, 1), "rows_per_s": round(n / seconds),
                      "cpu_seconds": round(cpu, 1), "rows_per_cpu_s": round(n / cpu), "peak_rss_mb": round(peak_mb),
                      "rerun_seconds": round(again_s, 1), "rerun_cpu_seconds": round(again_cpu, 1),
                      "database": "postgresql" if args.database_url else "sqlite", "load_average": round(load, 1),
                      "quick": args.quick}))  # fmt: skip


if __name__ == "__main__":
    main()
