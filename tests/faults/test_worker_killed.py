"""``kill -9`` of the worker at 30 % of a fan-out, restarted at once: nobody is left out, and at
most the messages whose SMTP transaction was under way go out twice."""

from __future__ import annotations

import pytest
from fault_kit import report, size

pytestmark = pytest.mark.e2e

SMTP_CONNECTIONS = 4  # the fault_stack's NOTIFY_SMTP_CONNECTIONS


def test_a_killed_worker_loses_nothing_and_sends_at_most_one_message_per_connection_twice(fault_stack):
    run = fault_stack
    run.post_event("F-kill")
    run.wait_for_share(0.3)
    run.kill_worker()
    run.start_worker()
    figures = run.wait_done(timeout=size(300, 2400))
    report("kill -9 worker at 30 %", figures)
    assert figures["lost"] == 0, figures
    assert figures["twice"] <= SMTP_CONNECTIONS, figures
    assert set(figures["ledger"]) == {"sent"}, figures
