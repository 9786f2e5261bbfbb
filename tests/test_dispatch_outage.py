"""A relay outage on the delivery step, against a real SMTP server that is stopped and started:
the channel pauses without burning attempts, staff see it, and the waiting deliveries go out once
the relay is back (notify/circuit.py, notify/channel_watch.py)."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from notify.channel_watch import ChannelWatch
from notify.channels.registry import build_senders
from notify.circuit import CLOSED, OPEN, Circuits
from notify.devstack import free_port
from notify.dispatch import Dispatcher
from notify.embedded.smtp_sink import start_sink
from notify.pipeline import Runtime, ingest, plan
from notify.settings import Settings
from notify.web import health
from subscribers.db import init_db, session_scope
from subscribers.models import ChannelAddress, Delivery, DeliveryAttempt, Subscriber, Subscription, utcnow
from subscribers.store import iter_snapshot
from topics.matcher import MatchIndex

N = 30


@pytest.fixture
def rt(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'd.db'}"
    init_db(url)
    now = utcnow()
    with session_scope(url) as s:
        s.add_all([Subscriber(id=i, public_id=f"p{i}", status="active", origin="import") for i in range(1, N + 1)])
        s.flush()
        for i in range(1, N + 1):
            s.add(ChannelAddress(subscriber_id=i, channel="email", address=f"r{i}@example.org", confirmed_at=now))
            s.add(Subscription(subscriber_id=i, topic_id="baustellen", district_id="buer"))
    settings = Settings(data_dir=tmp_path / "var", database_url=url, smtp_url=f"smtp://127.0.0.1:{free_port()}",
                        secret_key="k", base_url="https://stadtbote.test", max_attempts=3)  # fmt: skip
    return Runtime(settings)


def pending(rt) -> list[tuple[str, int, str]]:
    event = {"specversion": "1.0", "id": "o1", "source": "/tiefbau", "type": "de.gelsenkirchen.baustelle",
             "data": {"title": "Sperrung der Horster Straße", "topics": ["baustellen"], "area": ["buer"],
                      "text": "Die Straße ist ab Montag gesperrt. Bitte fahren Sie die Umleitung."}}  # fmt: skip
    index = MatchIndex(rt.catalogue)
    with session_scope(rt.db_url) as s:
        for record in iter_snapshot(s):
            index.apply(record)
    got = ingest(json.dumps(event).encode(), rt)
    return plan(rt, got.event, got.event_pk, index.deliveries(got.event.data.topics, got.event.data.area))


def ledger(rt) -> dict[tuple[str, int], int]:
    with session_scope(rt.db_url) as s:
        return dict(((st, a), n) for st, a, n in s.execute(
            select(Delivery.status, Delivery.attempts, func.count()).group_by(Delivery.status, Delivery.attempts)))  # fmt: skip


async def test_a_relay_outage_pauses_email_without_burning_attempts_and_the_backlog_goes_out_after(rt, tmp_path):
    circuits = Circuits(threshold=3, first_probe_s=0.0)
    dispatcher = Dispatcher(rt, build_senders(rt.settings), circuits=circuits)
    released: list[tuple[str, int, str]] = []

    async def publish(items):
        released.extend(items)

    watch = ChannelWatch(rt, circuits, publish)
    ids = [p[0] for p in pending(rt)]
    try:
        # Nobody listens on the SMTP port: connection refused.
        outcomes = await dispatcher.run_batch(ids)
        assert {(o.status, o.outage) for o in outcomes} == {("retry", True)}
        assert circuits["email"].state == OPEN
        assert ledger(rt) == {("retry", 0): N}  # the attempts were given back
        with session_scope(rt.db_url) as s:  # and are not in the history: the relay failed, not them
            assert s.execute(select(func.count()).select_from(DeliveryAttempt)).scalar() == 0
        await watch.tick(dispatcher.owner)  # tells staff; the back-off (0 s here) is over: one probe
        assert len(released) == 1
        [probe] = await dispatcher.run_batch([released[0][0]])
        assert probe.outage and circuits["email"].state == OPEN  # still away: paused again
        await watch.tick(dispatcher.owner)
        assert len(released) == 2
        [email] = [c for c in health.states(rt) if c.channel == "email"]
        assert not email.ok and email.since is not None
        assert health.report(rt)["channels"]["email"]["status"] == "disturbed"
        assert health.notices(rt)[0].startswith("E-Mail-Versand gestört seit ")

        # The relay is back: the next probe goes through ...
        controller = start_sink(tmp_path / "mail", port=rt.settings.smtp_host_port[1])
        try:
            [probe] = await dispatcher.run_batch([released[1][0]])
            assert probe.status == "sent" and circuits["email"].state == CLOSED
            # ... and its success releases everything still waiting.
            await watch.tick(dispatcher.owner)
            backlog = released[2:]
            assert len(backlog) == N - 1 and probe.delivery_id not in {r[0] for r in backlog}
            await dispatcher.run_batch([r[0] for r in backlog])
        finally:
            controller.stop()
    finally:
        await dispatcher.close()
    assert ledger(rt) == {("sent", 1): N}
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in (tmp_path / "mail" / "new").iterdir()]
    assert sorted(str(m["To"]) for m in mails) == sorted(f"r{i}@example.org" for i in range(1, N + 1))
    assert health.report(rt) == {"status": "ok", "channels": {c: {"status": "ok"} for c in
                                                               ("email", "sms", "push", "letter")}}  # fmt: skip


async def test_at_most_one_message_per_connection_is_between_sent_and_recorded(rt, tmp_path):
    """What a crash can leave in doubt: sends started but not yet committed, never more than the
    SMTP connections (here 2), however large the batch."""
    rt.settings.smtp_connections = 2
    dispatcher = Dispatcher(rt, build_senders(rt.settings))
    in_doubt, peak = set(), 0
    write = dispatcher._record

    def record(outcomes, reports):
        write(outcomes, reports)
        for o in outcomes:
            in_doubt.discard(o.delivery_id)

    dispatcher._recorder._write = record
    sender = dispatcher.senders["email"]
    send = sender.send

    async def counting_send(prepared):
        nonlocal peak
        in_doubt.add(prepared.delivery_id)
        peak = max(peak, len(in_doubt))
        return await send(prepared)

    sender.send = counting_send
    controller = start_sink(tmp_path / "mail", port=rt.settings.smtp_host_port[1])
    try:
        outcomes = await dispatcher.run_batch([p[0] for p in pending(rt)])
    finally:
        controller.stop()
        await dispatcher.close()
    assert [o.status for o in outcomes] == ["sent"] * N
    assert 1 <= peak <= 2


@pytest.mark.parametrize(("age_h", "status"), [(0.0, "retry"), (3.5, "retry"), (4.5, "dead")])
async def test_a_per_message_failure_is_retried_for_hours_then_given_up(rt, tmp_path, age_h, status):
    """451 for one address: retried with back-off until the horizon (4 h by default), not after
    five quick attempts."""
    from datetime import timedelta

    from sqlalchemy import update

    rt.settings.max_attempts = 100
    ids = [p[0] for p in pending(rt)][:1]
    with session_scope(rt.db_url) as s:
        [sid] = s.execute(select(Delivery.subscriber_id).where(Delivery.id == ids[0])).scalars()
        s.execute(update(ChannelAddress).where(ChannelAddress.subscriber_id == sid).values(address="x@later.invalid"))
        s.execute(update(Delivery).where(Delivery.id == ids[0]).values(created_at=utcnow() - timedelta(hours=age_h)))
    controller = start_sink(tmp_path / "mail", port=rt.settings.smtp_host_port[1])
    dispatcher = Dispatcher(rt, build_senders(rt.settings))
    try:
        [outcome] = await dispatcher.run_batch(ids)
    finally:
        controller.stop()
        await dispatcher.close()
    assert (outcome.status, outcome.outage) == (status, False) and "451" in outcome.error
    if status == "retry":
        assert utcnow() < outcome.not_before <= utcnow() + timedelta(seconds=2)  # first back-off: ≤ 2 s
