"""Ledger retention (subscribers/retention.py): old finished deliveries go in bounded steps; open
ones and the event register stay, so a replay of an old event still sends nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select, update

from subscribers.db import session_scope
from subscribers.ledger import register_event, write_deliveries
from subscribers.models import Delivery, DeliveryAttempt, EventRecord, utcnow
from subscribers.retention import purge_step


def event(s, event_id: str, age_days: float, statuses: list[str]) -> int:
    reg = register_event(s, source="/r", event_id=event_id, type="t", title="T", urgency="normal", payload="{}")
    s.execute(update(EventRecord).where(EventRecord.id == reg.record.id)
              .values(received_at=utcnow() - timedelta(days=age_days)))  # fmt: skip
    rows = write_deliveries(s, reg.record, [(i, "email") for i in range(len(statuses))])
    for (did, _, _), status in zip(rows, statuses, strict=True):
        s.execute(update(Delivery).where(Delivery.id == did).values(status=status))
        s.execute(insert(DeliveryAttempt).values(delivery_id=did, attempt=1, outcome="retry", at=utcnow()))
    return reg.record.id


def count(s, model) -> int:
    return s.execute(select(func.count()).select_from(model)).scalar()


def test_old_finished_deliveries_go_in_steps_and_the_rest_stays(db_url, monkeypatch):
    monkeypatch.setenv("NOTIFY_LEDGER_RETENTION_DAYS", "30")
    with session_scope(db_url) as s:
        event(s, "old", 31, ["sent"] * 5 + ["dead", "held", "retry", "digest"])
        event(s, "young", 29, ["sent"] * 3)
    steps = []
    while True:
        with session_scope(db_url) as s:
            if not (n := purge_step(s, step=3)):
                break
            steps.append(n)
    assert steps == [3, 3, 1]  # 7 finished rows of the old event, three per transaction
    with session_scope(db_url) as s:
        left = sorted(s.execute(select(Delivery.status)).scalars())
        assert left == ["digest", "retry", "sent", "sent", "sent"]  # still open, or young
        assert count(s, DeliveryAttempt) == 5  # the history went with its deliveries
        assert count(s, EventRecord) == 2  # the register stays: a replay is still a duplicate
        again = register_event(s, source="/r", event_id="old", type="t", title="T", urgency="normal", payload="{}")
        assert again.new is False


def test_old_events_lose_their_payload_once_no_delivery_is_left(db_url, monkeypatch):
    from subscribers.retention import REMOVED_PAYLOAD, payload_step

    monkeypatch.setenv("NOTIFY_LEDGER_RETENTION_DAYS", "30")
    with session_scope(db_url) as s:
        done = event(s, "old-done", 31, ["sent", "sent"])
        waiting = event(s, "old-open", 31, ["sent", "retry"])  # one delivery still open
        young = event(s, "young", 29, ["sent"])
        s.execute(update(EventRecord).values(status="matched", payload='{"data": {"text": "Text"}}'))
    while True:
        with session_scope(db_url) as s:
            if not purge_step(s):
                break
    with session_scope(db_url) as s:
        assert payload_step(s, step=1) == 1 and payload_step(s) == 0
        payloads = dict(s.execute(select(EventRecord.id, EventRecord.payload)).all())
        assert payloads[done] == REMOVED_PAYLOAD
        assert payloads[waiting] != REMOVED_PAYLOAD and payloads[young] != REMOVED_PAYLOAD
        again = register_event(s, source="/r", event_id="old-done", type="t", title="T", urgency="normal",
                               payload="{}")  # fmt: skip
        assert again.new is False  # still recognised: a replay sends nothing
