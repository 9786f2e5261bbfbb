"""Throughput of two ``notify worker`` processes against one, on the same stack in one run.

The real processes on free ports (``tests/faults/fault_kit.py``: broker, SMTP sink, worker, web),
``--residents`` residents with e-mail. Rounds: one worker, two workers (the second one started and
given its share of the partitions), one worker again (the second one stopped). Each round posts
one citywide event over the web API and times it until every resident has the message in the
Maildir and no ledger row is open. The ratio compares the two-worker round with the mean of the
one-worker rounds on either side of it, so a shared machine's drift cancels out. Ends with one
JSON line (``one_worker_per_s``, ``two_workers_per_s``, ``ratio``).
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _HERE)]  # bench/email.py would shadow `email`
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "faults"))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

from fault_kit import FaultStack, private_dir  # noqa: E402


def fan_out(run: FaultStack, event_id: str) -> float:
    run.post_event(event_id)
    figures = run.wait_done(timeout=3600)
    assert figures["lost"] == 0, figures
    print(f"{event_id}: {figures['seconds']} s, {run.residents / figures['seconds']:.0f} e-mails/s, "
          f"twice {figures['twice']}, load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    return run.residents / figures["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--residents", type=int, default=None)
    args = parser.parse_args()
    residents = args.residents or (1_000 if args.quick else 10_000)
    loads = [os.getloadavg()[0]]
    with private_dir() as data_dir, FaultStack(data_dir, residents, NOTIFY_SMTP_CONNECTIONS="4") as run:
        first = fan_out(run, "W-one-1")
        run.stack.ready_file.unlink(missing_ok=True)
        run.stack._spawn("worker2", "worker")
        deadline = time.monotonic() + 300
        while not run.stack.ready_file.exists():
            assert time.monotonic() < deadline, "the second worker did not start"
            time.sleep(0.2)
        time.sleep(5)  # the group rebalance hands it its share of the partitions
        loads.append(os.getloadavg()[0])
        two = fan_out(run, "W-two")
        run.stack.stop_process("worker2")
        time.sleep(5)
        loads.append(os.getloadavg()[0])
        last = fan_out(run, "W-one-2")
    one = (first + last) / 2
    print(json.dumps({"benchmark": "workers", "residents": residents, "one_worker_per_s": round(one, 1),
                      "one_worker_rounds_per_s": [round(first, 1), round(last, 1)],
                      "two_workers_per_s": round(two, 1), "ratio": round(two / one, 2),
                      "load": [round(x, 1) for x in loads], "quick": args.quick}))  # fmt: skip


if __name__ == "__main__":
    main()
