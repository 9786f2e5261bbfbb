"""A worker starts from its index snapshot: the same audiences as an index built from the
database, changes made while it was away are not missed (from the stream, and those that only
reached the database), and a snapshot the stream no longer matches is not used."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from notify.changes import ChangeFollower
from notify.devstack import free_port
from notify.embedded.broker import start_broker
from notify.kafka import SUBSCRIPTION_CHANGES, Publisher, ensure_topics, topic_plan
from subscribers.db import session_scope
from subscribers.importer import import_csv
from subscribers.models import ChannelAddress, Subscriber, Subscription, utcnow
from subscribers.store import catch_up_records, iter_snapshot
from topics import index_snapshot
from topics.matcher import MatchIndex

EVENTS = [(["abfuhr"], "citywide", False), (["baustellen"], ["buer"], False), (["verkehr"], ["horst"], True),
          (["kita"], ["erle"], False), (["unwetter"], "citywide", True)]  # fmt: skip


def audiences(index: MatchIndex) -> list[dict[str, list[int]]]:
    return [{ch: sorted(ids.tolist()) for ch, ids in index.deliveries(t, a, u).items()} for t, a, u in EVENTS]


def random_index(catalogue, n: int, seed: int) -> MatchIndex:
    rng = random.Random(seed)
    topics = ["abfuhr", "baustellen", "verkehr", "kita", "unwetter"]
    districts = ["citywide", "buer", "horst", "erle", "altstadt"]
    index = MatchIndex(catalogue)
    for sid in range(1, n + 1):
        subs = {(rng.choice(topics), rng.choice(districts)) for _ in range(rng.randint(1, 3))}
        index.upsert(sid, subs, rng.sample(["email", "sms", "letter", "push"], rng.randint(1, 2)))
    return index


def test_a_loaded_snapshot_matches_and_changes_like_the_index_it_was_taken_from(catalogue, tmp_path):
    built = random_index(catalogue, 3000, seed=1)
    path = tmp_path / "index.npz"
    index_snapshot.save(built, path, {"note": "x"})
    loaded = MatchIndex(catalogue)
    assert index_snapshot.load(loaded, path) == {"note": "x"}
    assert audiences(loaded) == audiences(built)
    assert (len(loaded), loaded.subscriptions) == (len(built), built.subscriptions)
    for index in (built, loaded):  # the same changes on both: moved, removed, new
        index.upsert(7, [("kita", "erle")], ["sms"])
        index.remove(8)
        index.upsert(5000, [("abfuhr", "citywide")], ["email"])
        index.apply({"subscriber_id": 9, "active": False, "subscriptions": [], "channels": []})
    assert audiences(loaded) == audiences(built)
    assert (len(loaded), loaded.subscriptions) == (len(built), built.subscriptions)
    assert sorted(loaded.subscriber_ids().tolist()) == sorted(built.subscriber_ids().tolist())
    again = MatchIndex(catalogue)  # a snapshot of a loaded-then-changed index
    index_snapshot.save(loaded, path, {})
    index_snapshot.load(again, path)
    assert audiences(again) == audiences(built)


def test_a_missing_or_broken_snapshot_is_not_loaded(catalogue, tmp_path):
    index = MatchIndex(catalogue)
    assert index_snapshot.load(index, tmp_path / "none.npz") is None
    (tmp_path / "broken.npz").write_bytes(b"not a snapshot")
    assert index_snapshot.load(index, tmp_path / "broken.npz") is None
    assert len(index) == 0


HEADER = "email,name,topics,districts,channels\n"
ROWS = [f"p{i}@example.org,P{i},abfuhr,{d},email" for i, d in enumerate(["buer", "horst", "erle", "citywide"] * 5)]


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    port = free_port()
    process = start_broker("127.0.0.1", port, log=tmp_path_factory.mktemp("broker") / "broker.log")
    asyncio.run(ensure_topics(f"127.0.0.1:{port}", topic_plan(4)))  # as the worker does before following
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


async def _publish(bootstrap: str, records: list[dict]) -> None:
    publisher = Publisher(bootstrap, 4)
    try:
        await publisher.send_many_json(SUBSCRIPTION_CHANGES, ((str(r["subscriber_id"]), r) for r in records))
    finally:
        await publisher.close()


def _follower(bootstrap, catalogue, db_url, snapshot_file) -> ChangeFollower:
    def snapshot():
        with session_scope(db_url) as s:
            return list(iter_snapshot(s))

    def changed_since(since, present):
        with session_scope(db_url) as s:
            return catch_up_records(s, since, present)

    return ChangeFollower(bootstrap, MatchIndex(catalogue), snapshot, snapshot_file=snapshot_file,
                          snapshot_every_s=300, changed_since=changed_since)  # fmt: skip


async def _started(follower: ChangeFollower) -> ChangeFollower:
    await follower.start()
    follower.task = asyncio.create_task(follower.run())  # type: ignore[attr-defined]
    assert await follower.caught_up(10)
    return follower


async def _stop(follower: ChangeFollower) -> None:
    await follower.stop()
    await asyncio.wait_for(follower.task, 10)  # type: ignore[attr-defined]


def test_a_restarted_worker_loads_its_snapshot_and_misses_no_change(broker, catalogue, db_url, tmp_path):
    with session_scope(db_url) as s:
        import_csv(s, HEADER + "\n".join(ROWS) + "\n", topics=catalogue.topics, districts=catalogue.districts)
        # Imported long ago: only what is changed below is "changed since the snapshot".
        s.execute(update(Subscriber).values(updated_at=utcnow() - timedelta(hours=1)))
    snapshot_file = tmp_path / "index" / "match-index.npz"

    async def scenario():
        first = await _started(_follower(broker, catalogue, db_url, snapshot_file))
        assert first.started_from == "database" and len(first.index) == 20
        await _publish(broker, [{"subscriber_id": 1, "active": True, "subscriptions": [["abfuhr", "buer"]],
                                 "channels": ["email"], "frequency": "immediate"}])  # fmt: skip
        assert await first.caught_up(10)
        await _stop(first)  # writes the snapshot
        assert snapshot_file.exists()
        # While no worker runs: one change on the stream (its row's updated_at not touched, so
        # only the stream tells), one only in the database (the broker was away when it was
        # made), one erasure only in the database.
        with session_scope(db_url) as s:
            s.execute(update(Subscription).where(Subscription.subscriber_id == 5).values(topic_id="verkehr",
                                                                                         district_id="horst"))  # fmt: skip
            s.execute(delete(Subscription).where(Subscription.subscriber_id == 2))
            s.add(Subscription(subscriber_id=2, topic_id="kita", district_id="erle"))
            s.execute(update(Subscriber).where(Subscriber.id == 2).values(updated_at=utcnow()))
            s.execute(delete(Subscription).where(Subscription.subscriber_id == 3))
            s.execute(delete(ChannelAddress).where(ChannelAddress.subscriber_id == 3))
            s.execute(delete(Subscriber).where(Subscriber.id == 3))
        await _publish(broker, [{"subscriber_id": 5, "active": True, "subscriptions": [["verkehr", "horst"]],
                                 "channels": ["email"], "frequency": "immediate"}])  # fmt: skip
        second = await _started(_follower(broker, catalogue, db_url, snapshot_file))
        from_database = await _started(_follower(broker, catalogue, db_url, None))
        try:
            assert second.started_from == "snapshot"
            assert audiences(second.index) == audiences(from_database.index)
            assert second.index.deliveries(["kita"], ["erle"])["email"].tolist() == [2]
            assert 5 in second.index.deliveries(["verkehr"], ["horst"])["email"].tolist()
            everyone = second.index.deliveries(["abfuhr"], "citywide")["email"].tolist()
            assert 3 not in everyone and 2 not in everyone and 5 not in everyone and 6 in everyone
        finally:
            await _stop(second)
            await _stop(from_database)

    asyncio.run(scenario())


def test_a_snapshot_the_stream_does_not_hold_is_not_used(broker, catalogue, db_url, tmp_path):
    with session_scope(db_url) as s:
        import_csv(s, HEADER + "\n".join(ROWS[:4]) + "\n", topics=catalogue.topics, districts=catalogue.districts)
    snapshot_file = tmp_path / "match-index.npz"
    stale = MatchIndex(catalogue)
    stale.upsert(999, [("abfuhr", "citywide")], ["email"])
    # As after a broker with memory storage restarted: the saved position lies beyond the log's end.
    index_snapshot.save(stale, snapshot_file, {"taken_at": utcnow().isoformat(),
                                                "offsets": {str(p): 10**9 for p in range(4)}})  # fmt: skip

    async def scenario():
        follower = await _started(_follower(broker, catalogue, db_url, snapshot_file))
        try:
            assert follower.started_from == "database"
            assert 999 not in follower.index.deliveries(["abfuhr"], "citywide")["email"].tolist()
        finally:
            await _stop(follower)

    asyncio.run(scenario())
