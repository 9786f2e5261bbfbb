"""Two ``notify worker`` processes share the partitions; one is killed in the middle of a fan-out
and the other takes over its partitions and its expired leases: nobody is left out."""

from __future__ import annotations

import time

import pytest
from fault_kit import report, size

pytestmark = pytest.mark.e2e


def test_one_of_two_workers_killed_mid_fan_out_loses_nothing(fault_stack):
    run = fault_stack
    run.stack.ready_file.unlink(missing_ok=True)
    run.stack._spawn("worker2", "worker")
    deadline = time.monotonic() + 180
    while not run.stack.ready_file.exists():  # the second worker has loaded the match index
        assert time.monotonic() < deadline, "the second worker did not start"
        time.sleep(0.2)
    time.sleep(3)  # let the group rebalance hand it its share of the partitions
    run.post_event("F-two")
    run.wait_for_share(0.3)
    run.kill_worker()  # the first one; the second carries on alone
    run.stack.procs["worker"] = run.stack.procs.pop("worker2")  # later runs see one worker again
    figures = run.wait_done(timeout=size(300, 2400))
    report("one of two workers killed at 30 %", figures)
    assert figures["lost"] == 0, figures
    assert figures["twice"] <= 4, figures
    assert set(figures["ledger"]) == {"sent"}, figures
