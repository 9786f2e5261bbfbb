"""Leased claims (subscribers/leases.py): an owner, a lease it renews, and expired leases going
back to the queue — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from subscribers import leases
from subscribers.db import session_scope
from subscribers.ledger import register_event, write_deliveries
from subscribers.models import Delivery, utcnow


def rows(db_url, n=3):
    with session_scope(db_url) as s:
        reg = register_event(s, source="/t", event_id="e1", type="de.gelsenkirchen.baustelle", title="T",
                             urgency="normal", payload="{}")  # fmt: skip
        return [r[0] for r in write_deliveries(s, reg.record, [(i, "email") for i in range(1, n + 1)])]


def expire(db_url, ids):
    with session_scope(db_url) as s:
        s.execute(update(Delivery).where(Delivery.id.in_(ids)).values(lease_until=utcnow() - timedelta(seconds=1)))


def test_a_claim_belongs_to_one_owner_for_the_length_of_its_lease(db_url):
    ids = rows(db_url)
    with session_scope(db_url) as s:
        mine = leases.claim(s, ids, "worker-a", lease_s=30)
        theirs = leases.claim(s, ids, "worker-b", lease_s=30)
    assert set(mine) == set(ids) and theirs == {}
    with session_scope(db_url) as s:
        got = s.execute(select(Delivery.status, Delivery.lease_owner, Delivery.lease_until, Delivery.attempts)).all()
    assert {(status, owner, attempts) for status, owner, _, attempts in got} == {("sending", "worker-a", 1)}
    assert all(until is not None for _, _, until, _ in got)


def test_only_the_owner_renews_and_a_renewed_lease_is_not_taken_away(db_url):
    ids = rows(db_url)
    with session_scope(db_url) as s:
        leases.claim(s, ids, "worker-a", lease_s=30)
    expire(db_url, ids)
    with session_scope(db_url) as s:
        assert leases.renew(s, ids, "worker-b") == 0
        assert leases.renew(s, ids[:2], "worker-a") == 2
    with session_scope(db_url) as s:
        back = leases.requeue_expired(s)
    assert [r[0] for r in back] == [ids[2]]  # only the row whose lease ran out


def test_an_expired_lease_goes_back_to_the_queue_once_and_can_be_claimed_again(db_url):
    ids = rows(db_url, 2)
    with session_scope(db_url) as s:
        leases.claim(s, ids, "dead-worker", lease_s=30)
    expire(db_url, ids)
    with session_scope(db_url) as s:
        back = leases.requeue_expired(s)
        again = leases.requeue_expired(s)
    assert sorted(r[0] for r in back) == sorted(ids) and again == []
    assert {(r[1], r[2]) for r in back} == {(1, "email"), (2, "email")}
    with session_scope(db_url) as s:
        assert set(leases.claim(s, ids, "new-worker")) == set(ids)
        attempts = set(s.execute(select(Delivery.attempts)).scalars())
    assert attempts == {2}  # the interrupted send stays counted: it may have gone out


def test_rows_claimed_before_leases_existed_are_requeued_after_ten_minutes(db_url):
    ids = rows(db_url, 2)
    with session_scope(db_url) as s:
        s.execute(update(Delivery).values(status="sending", lease_owner=None, lease_until=None))
        s.execute(update(Delivery).where(Delivery.id == ids[0]).values(updated_at=utcnow() - timedelta(minutes=11)))
    with session_scope(db_url) as s:
        assert [r[0] for r in leases.requeue_expired(s)] == [ids[0]]
