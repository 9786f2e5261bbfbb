"""The SMTP relay goes away in the middle of a fan-out and comes back: the e-mail channel pauses
(staff and ``/healthz`` see it), no attempt is burned, and the backlog drains by itself."""

from __future__ import annotations

import time

import pytest
from fault_kit import FULL, report, size

pytestmark = pytest.mark.e2e

OUTAGES_S = [600.0, 60.0] if FULL else [4.0]


@pytest.mark.parametrize("outage_s", OUTAGES_S)
def test_an_smtp_outage_loses_nothing_and_the_backlog_drains_afterwards(fault_stack, outage_s):
    run = fault_stack
    run.post_event(f"F-smtp-{outage_s:g}")
    run.wait_for_share(0.3)
    run.stop_smtp()
    deadline = time.monotonic() + 60
    while run.health()["channels"]["email"]["status"] == "ok":  # the worker notices within seconds
        assert time.monotonic() < deadline, "the e-mail channel was never reported as disturbed"
        time.sleep(0.2)
    disturbed = run.health()
    time.sleep(outage_s)
    run.start_smtp()
    figures = run.wait_done(timeout=size(300, 3600))
    healthy = run.health()
    report(f"SMTP down {outage_s:g} s at 30 %", figures)
    assert disturbed["status"] == "degraded" and "since" in disturbed["channels"]["email"], disturbed
    assert figures["lost"] == 0, figures
    assert figures["twice"] <= 4, figures
    assert set(figures["ledger"]) == {"sent"}, figures  # nothing dead-lettered, nothing left waiting
    assert healthy["channels"]["email"]["status"] == "ok", healthy
