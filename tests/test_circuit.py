"""The circuit breaker per channel (notify/circuit.py): which answers pause a channel, and how it
comes back."""

from __future__ import annotations

import pytest

from notify.channels.base import SendResult
from notify.circuit import CLOSED, HALF_OPEN, OPEN, Circuit

OK = SendResult(ok=True)
REFUSED = SendResult(ok=False, outage=True, error="ConnectionRefusedError: [Errno 111] Connection refused")
MAILBOX_GONE = SendResult(ok=False, permanent=True, error="550 5.1.1 Mailbox does not exist")
LATER = SendResult(ok=False, error="451 4.3.0 Try again later")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "answers, state",
    [
        ([], CLOSED),
        ([REFUSED, REFUSED], CLOSED),  # two in a row: could be one dropped connection
        ([REFUSED, REFUSED, REFUSED], OPEN),
        ([REFUSED, REFUSED, OK, REFUSED, REFUSED], CLOSED),  # a success in between resets the count
        ([REFUSED, REFUSED, MAILBOX_GONE, REFUSED], CLOSED),  # a 550 proves the relay is there
        ([REFUSED, LATER, REFUSED, REFUSED], CLOSED),  # so does a 451 for one message
        ([LATER] * 10, CLOSED),  # per-message failures never pause the channel
        ([MAILBOX_GONE] * 10, CLOSED),
    ],
)
def test_only_outage_answers_in_a_row_pause_the_channel(answers, state):
    circuit = Circuit("email", threshold=3)
    for answer in answers:
        circuit.record(answer)
    assert circuit.state == state
    assert circuit.allows() is (state != OPEN)


def test_a_paused_channel_is_probed_with_growing_back_off_and_resumes_by_itself():
    clock = Clock()
    circuit = Circuit("email", threshold=1, first_probe_s=2, max_probe_s=10, clock=clock)
    circuit.record(REFUSED)
    assert circuit.state == OPEN and circuit.since is not None and "refused" in circuit.last_error
    since = circuit.since
    waits = []
    for _ in range(5):  # the relay stays away: each failed probe doubles the wait, up to the cap
        start = clock.now
        while not circuit.probe_due():
            clock.now += 0.5
        waits.append(clock.now - start)
        assert circuit.state == HALF_OPEN and circuit.allows()
        circuit.record(REFUSED)
        assert circuit.state == OPEN and circuit.since == since  # still "disturbed since" the first time
    assert waits == [2, 4, 8, 10, 10]
    while not circuit.probe_due():
        clock.now += 0.5
    circuit.record(OK)  # the probe went through
    assert (circuit.state, circuit.since, circuit.failures) == (CLOSED, None, 0)
    assert circuit.take_change() is True and circuit.take_change() is False


def test_a_closed_circuit_is_never_probed():
    clock = Clock()
    circuit = Circuit("sms", clock=clock)
    clock.now = 1000
    assert circuit.probe_due() is False and circuit.state == CLOSED
