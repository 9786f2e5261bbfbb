"""The embedded broker (memory) goes away and comes back: while it is away the web API answers
503 with Retry-After (problem+json) and takes nothing half; afterwards it accepts again, and the
worker, reconnected by itself, delivers the next event to everyone."""

from __future__ import annotations

import time

import pytest
from fault_kit import report, size

pytestmark = [pytest.mark.e2e, pytest.mark.restarts_broker]


def test_while_the_broker_is_away_events_get_503_and_afterwards_everything_goes_out(fault_stack):
    run = fault_stack
    run.stop_broker()
    refused = run.post_raw("F-away-1")
    run.start_broker()
    deadline = time.monotonic() + 120
    while (accepted := run.post_raw("F-away-2")).status_code != 202:  # the web API reconnects by itself
        assert accepted.status_code == 503 and time.monotonic() < deadline, accepted.text
        time.sleep(1)
    run.post_event("F-away-2", expect=None)  # count this event (already accepted above)
    figures = run.wait_done(timeout=size(300, 2400))
    report("broker away, then back", figures)
    assert refused.status_code == 503 and int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "später erneut" in refused.json()["detail"]
    assert figures["lost"] == 0 and figures["twice"] == 0, figures
