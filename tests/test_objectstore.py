"""The object store under the durable broker (``notify/embedded/objectstore.py``): the part of S3
Tansu relies on — conditional writes that refuse a stale writer, listings by prefix in pages —
and that what it stored is still there after the store (and the broker) started again."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import xml.etree.ElementTree as ET

import httpx
import pytest

from notify.devstack import free_port
from notify.embedded.durable import ACCESS_KEY, DurableBroker
from notify.embedded.objectstore import StoreServer

AUTH = {"authorization": f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20261202/eu-central-1/s3/aws4_request, Signature=x"}
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@pytest.fixture
def store(tmp_path):
    server = StoreServer(tmp_path / "objects", access_key=ACCESS_KEY)
    client = httpx.Client(base_url=server.url, headers=AUTH)
    assert client.put("/tansu").status_code == 200
    yield server, client
    client.close()
    server.stop()


def code(response: httpx.Response) -> str:
    return ET.fromstring(response.content).findtext("Code") or ""


def test_an_object_reads_back_whole_with_etag_date_and_ranges(store):
    _, s3 = store
    body = b"0123456789" * 100
    put = s3.put("/tansu/clusters/c/topics/t/0.batch", content=body)
    got = s3.get("/tansu/clusters/c/topics/t/0.batch")
    assert put.headers["etag"] == got.headers["etag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert got.content == body and got.headers["last-modified"].endswith("GMT")
    head = s3.head("/tansu/clusters/c/topics/t/0.batch")
    assert head.headers["content-length"] == "1000" and not head.content
    part = s3.get("/tansu/clusters/c/topics/t/0.batch", headers={"range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == b"0123456789"
    assert part.headers["content-range"] == "bytes 10-19/1000"
    assert s3.get("/tansu/clusters/c/topics/t/0.batch", headers={"range": "bytes=-5"}).content == b"56789"


def test_a_stale_or_second_creator_gets_412_and_the_object_stays(store):
    _, s3 = store
    first = s3.put("/tansu/watermark.json", content=b'{"high": 1}', headers={"if-none-match": "*"})
    assert first.status_code == 200
    again = s3.put("/tansu/watermark.json", content=b'{"high": 9}', headers={"if-none-match": "*"})
    assert again.status_code == 412 and code(again) == "PreconditionFailed"
    update = s3.put("/tansu/watermark.json", content=b'{"high": 2}', headers={"if-match": first.headers["etag"]})
    assert update.status_code == 200
    stale = s3.put("/tansu/watermark.json", content=b'{"high": 7}', headers={"if-match": first.headers["etag"]})
    assert stale.status_code == 412 and code(stale) == "PreconditionFailed"
    assert s3.get("/tansu/watermark.json").content == b'{"high": 2}'
    missing = s3.put("/tansu/absent.json", content=b"x", headers={"if-match": first.headers["etag"]})
    assert missing.status_code == 412


def test_of_many_writers_racing_on_one_version_exactly_one_wins(store):
    server, s3 = store
    base = s3.put("/tansu/groups/g1.json", content=b"v0").headers["etag"]

    async def race() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as client:
            creates = [
                client.put("/tansu/new.json", content=b"%d" % i, headers={"if-none-match": "*"}) for i in range(8)
            ]
            updates = [
                client.put("/tansu/groups/g1.json", content=b"%d" % i, headers={"if-match": base}) for i in range(8)
            ]
            return [r.status_code for r in await asyncio.gather(*creates, *updates)]

    codes = asyncio.run(race())
    assert sorted(codes[:8]) == [200] + [412] * 7
    assert sorted(codes[8:]) == [200] + [412] * 7


def test_missing_things_and_a_wrong_key_get_s3_errors(store):
    server, s3 = store
    assert (r := s3.get("/tansu/nothing")).status_code == 404 and code(r) == "NoSuchKey"
    assert (r := s3.get("/other/x")).status_code == 404 and code(r) == "NoSuchBucket"
    assert (r := s3.get("/other?list-type=2")).status_code == 404 and code(r) == "NoSuchBucket"
    stranger = httpx.get(
        f"{server.url}/tansu?list-type=2", headers={"authorization": "AWS4-HMAC-SHA256 Credential=someone/x"}
    )
    assert stranger.status_code == 403 and code(stranger) == "InvalidAccessKeyId"
    s3.put("/tansu/gone", content=b"x")
    assert s3.delete("/tansu/gone").status_code == 204
    assert s3.get("/tansu/gone").status_code == 404


def listing(s3: httpx.Client, **params) -> tuple[list[str], list[str], ET.Element]:
    root = ET.fromstring(s3.get("/tansu", params={"list-type": "2", **params}).content)
    keys = [e.findtext(f"{NS}Key") or "" for e in root.iter(f"{NS}Contents")]
    prefixes = [e.findtext(f"{NS}Prefix") or "" for e in root.iter(f"{NS}CommonPrefixes")]
    return keys, prefixes, root


def test_listing_by_prefix_comes_in_pages_with_a_continuation_token(store):
    _, s3 = store
    wanted = [f"topics/t/records/{i:04d}.batch" for i in range(7)]
    for key in [*wanted, "topics/t/watermark.json", "topics/u/records/0000.batch", "topics", "topics/t"]:
        s3.put(f"/tansu/{key}", content=key.encode())
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        keys, _, root = listing(
            s3, prefix="topics/t/records/", **{"max-keys": "3"}, **({"continuation-token": token} if token else {})
        )
        assert root.findtext(f"{NS}KeyCount") == str(len(keys))
        seen += keys
        pages += 1
        if root.findtext(f"{NS}IsTruncated") == "false":
            break
        token = root.findtext(f"{NS}NextContinuationToken")
    assert seen == wanted and pages == 3
    keys, prefixes, _ = listing(s3, prefix="topics/", delimiter="/")
    assert prefixes == ["topics/t/", "topics/u/"] and keys == ["topics/t"]
    assert listing(s3, prefix="topics/t")[0][:2] == ["topics/t", "topics/t/records/0000.batch"]


def test_what_was_stored_is_there_after_the_store_starts_again(tmp_path):
    first = StoreServer(tmp_path / "objects", access_key=ACCESS_KEY)
    with httpx.Client(base_url=first.url, headers=AUTH) as s3:
        s3.put("/tansu")
        etag = s3.put("/tansu/a", content=b"one").headers["etag"]
        s3.put("/tansu/a/b", content=b"two")  # a key and a key below it: both kept
        assert s3.put("/tansu/%2E%2E/%2E%2E/escape", content=b"three").status_code == 200
    first.stop()
    assert all(p.is_relative_to(tmp_path / "objects") for p in tmp_path.rglob("*"))
    again = StoreServer(tmp_path / "objects", access_key=ACCESS_KEY)
    try:
        with httpx.Client(base_url=again.url, headers=AUTH) as s3:
            assert s3.get("/tansu/a").content == b"one" and s3.get("/tansu/a").headers["etag"] == etag
            assert s3.get("/tansu/a/b").content == b"two"
            assert s3.put("/tansu/a", content=b"x", headers={"if-match": etag}).status_code == 200
            assert s3.get("/tansu/%2E%2E/%2E%2E/escape").content == b"three"
            assert sorted(listing(s3)[0]) == ["../../escape", "a", "a/b"]
    finally:
        again.stop()


async def _produce(port: int, n: int) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{port}")
    await producer.start()
    try:
        for i in range(n):
            await producer.send_and_wait("durable-test", f"m{i}".encode())
    finally:
        await producer.stop()


async def _consume(port: int, n: int) -> list[bytes]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer("durable-test", bootstrap_servers=f"127.0.0.1:{port}", auto_offset_reset="earliest")
    await consumer.start()
    got: list[bytes] = []
    try:
        while len(got) < n:
            batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 30)
            got += [m.value for msgs in batch.values() for m in msgs if m.value is not None]
    finally:
        await consumer.stop()
    return got


@pytest.mark.e2e
def test_the_durable_broker_keeps_messages_through_kill_9_and_a_full_restart(tmp_path):
    port = free_port()
    broker = DurableBroker(tmp_path / "broker", port=port).start()
    try:
        asyncio.run(_produce(port, 30))
        assert broker.proc is not None
        os.kill(broker.proc.pid, signal.SIGKILL)
        broker.proc.wait(10)
        assert "läuft wieder" in (broker.check() or "")
        assert sorted(asyncio.run(_consume(port, 30))) == sorted(f"m{i}".encode() for i in range(30))
    finally:
        broker.stop()
    broker = DurableBroker(tmp_path / "broker", port=port).start()  # store and Tansu both new
    try:
        assert len(asyncio.run(_consume(port, 30))) == 30
    finally:
        broker.stop()
