"""The delivery ledger: deterministic ids, written once, claimed once — on SQLite and PostgreSQL."""

from __future__ import annotations

from subscribers.db import session_scope
from subscribers.ledger import claim, delivery_id, finish, register_event, status_counts, write_deliveries


def _register(session, event_id="e1"):
    return register_event(session, source="/test", event_id=event_id, type="de.test.x", title="T", urgency="normal",
                          payload="{}")  # fmt: skip


def test_delivery_id_is_deterministic_and_distinct():
    a = delivery_id("/src", "1", 7, "email")
    assert a == delivery_id("/src", "1", 7, "email")
    assert len({a, delivery_id("/src", "1", 7, "sms"), delivery_id("/src", "1", 8, "email"),
                delivery_id("/src", "2", 7, "email"), delivery_id("/other", "1", 7, "email")}) == 5  # fmt: skip


def test_an_event_is_registered_once(db_url):
    with session_scope(db_url) as s:
        first = _register(s)
    with session_scope(db_url) as s:
        again = _register(s)
    assert first.new and not again.new
    assert first.record.id == again.record.id


def test_writing_deliveries_twice_creates_no_second_row(db_url):
    with session_scope(db_url) as s:
        event = _register(s).record
        pending = write_deliveries(s, event, [(1, "email"), (2, "email"), (2, "sms")])
    assert len(pending) == 3
    with session_scope(db_url) as s:
        event = _register(s).record
        again = write_deliveries(s, event, [(1, "email"), (2, "email"), (2, "sms")])
        assert sum(status_counts(s, event.id).values()) == 3
    assert sorted(again) == sorted(pending)


def test_a_delivery_is_claimed_by_one_sender_only(db_url):
    with session_scope(db_url) as s:
        event = _register(s).record
        ids = [d for d, _, _ in write_deliveries(s, event, [(1, "email"), (2, "email")])]
    with session_scope(db_url) as s:
        first = claim(s, ids)
    with session_scope(db_url) as s:
        second = claim(s, ids)
    assert first == set(ids) and second == set()


def test_sent_deliveries_are_not_pending_after_a_replay(db_url):
    with session_scope(db_url) as s:
        event = _register(s).record
        (did, _, _), (other, _, _) = sorted(write_deliveries(s, event, [(1, "email"), (2, "email")]))
        claim(s, [did])
        finish(s, did, "sent", message_id="<m@x>")
    with session_scope(db_url) as s:
        event = _register(s).record
        pending = write_deliveries(s, event, [(1, "email"), (2, "email")])
        counts = status_counts(s, event.id)
    assert [p[0] for p in pending] == [other]
    assert counts == {"sent": 1, "pending": 1}


def test_a_retry_can_be_claimed_again_and_counts_attempts(db_url):
    from subscribers.models import Delivery

    with session_scope(db_url) as s:
        event = _register(s).record
        [(did, _, _)] = write_deliveries(s, event, [(1, "email")])
        claim(s, [did])
        finish(s, did, "retry", error="451 later")
    with session_scope(db_url) as s:
        assert claim(s, [did]) == {did}
        row = s.get(Delivery, did)
        assert row.attempts == 2 and row.last_error == "451 later"
