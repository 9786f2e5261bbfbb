"""The durable broker (``notify broker --durable``: Tansu's S3 engine on our object store on disk)
loses its Tansu process to ``kill -9``; ``notify broker`` starts it again on the same port with the
same store, and the worker and the web API reconnect by themselves.

In the middle of a fan-out nobody is left out (the ledger would also re-publish lost delivery
messages, but only after two minutes). And an event the web API had accepted (202) while no worker
was reading is still there after the restart: it exists only on the broker until the worker takes
it in, so a memory broker restarted at that moment loses it for everyone (test_broker_away.py
posts its event after the restart for that reason)."""

from __future__ import annotations

import pytest
from fault_kit import FaultStack, private_dir, report, size

pytestmark = pytest.mark.e2e

SMTP_CONNECTIONS = 4  # the worker's default: the bound on messages in doubt


@pytest.fixture(scope="module")
def durable_stack():
    with private_dir() as data_dir, FaultStack(data_dir, size(400, 20_000), broker_durable=data_dir / "broker") as run:
        yield run


def test_tansu_killed_mid_fan_out_loses_nothing(durable_stack):
    run = durable_stack
    run.post_event("F-durable")
    run.wait_for_share(0.3)
    run.kill_tansu()
    figures = run.wait_done(timeout=size(300, 2400))
    report("durable broker: Tansu kill -9 at 30 %", figures)
    assert figures["lost"] == 0, figures
    assert figures["twice"] <= SMTP_CONNECTIONS, figures


def test_an_event_accepted_before_the_kill_reaches_everyone_after_it(durable_stack):
    run = durable_stack
    run.stack.stop_process("worker")  # nobody takes the event in: it is only on the broker
    run.post_event("F-durable-kept")  # 202
    run.kill_tansu()
    run.start_worker()
    figures = run.wait_done(timeout=size(300, 2400))
    report("durable broker: event accepted, Tansu kill -9, worker started", figures)
    assert figures["lost"] == 0 and figures["twice"] == 0, figures
