"""End to end on real parts: Tansu broker, aiosmtpd server, Faust worker, web API, the CLI.

Events go in over HTTP (and straight onto Kafka); we read what the SMTP server stored.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from email import message_from_bytes, policy

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import select

from notify.kafka import CITY_EVENTS, DEAD_LETTER
from subscribers.db import session_scope
from subscribers.models import Delivery, EventRecord

pytestmark = pytest.mark.e2e


def cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "notify", *args], env=stack.env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def db_url(stack) -> str:
    return f"sqlite:///{(stack.data_dir / 'stadtbote.db').resolve()}"


def mails(stack) -> list:
    maildir = stack.data_dir / "mail" / "new"
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(maildir.glob("*"))]


def ours(stack, tag: str) -> list:
    """This module's mails: other modules on the shared stack have citywide subscribers of their own."""
    return [m for m in mails(stack) if str(m["To"]).endswith(f".{tag}@example.org")]


def received(stack, subject: str) -> Counter:
    """Who got the mail with this subject, among this module's residents (their addresses carry the tag
    that ends each subject): other modules on the shared stack keep citywide subscribers of their own."""
    tag = subject.rsplit(" ", 1)[-1]
    return Counter(str(m["To"]) for m in mails(stack)
                   if str(m["Subject"]) == subject and str(m["To"]).endswith(f".{tag}@example.org"))  # fmt: skip


def wait_settled(stack, source: str, ids: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(db_url(stack)) as s:
            records = s.execute(select(EventRecord).where(EventRecord.source == source,
                                                          EventRecord.event_id.in_(ids))).scalars().all()  # fmt: skip
            open_ = s.execute(select(Delivery.id).where(Delivery.event_pk.in_([r.id for r in records]),
                                                        Delivery.status.in_(("pending", "sending", "retry")))).first()  # fmt: skip
        if len(records) == len(ids) and all(r.status == "matched" for r in records) and open_ is None:
            return
        time.sleep(0.25)
    raise AssertionError(f"events {ids} not delivered within {timeout} s")


@pytest.fixture(scope="module")
def seeded(stack, tmp_path_factory):
    """Residents imported through the real CLI, and an API key created through it."""
    tag = uuid.uuid4().hex[:6]
    people = {
        "anna": ("baustellen", "buer"), "bert": ("verkehr", "nord"), "cem": ("baustellen", "citywide"),
        "dora": ("baustellen", "horst"), "emil": ("abfuhr", "buer"), "fay": ("parken", "buer"),
        "gus": ("baustellen;abfuhr", "buer;erle"),
    }  # fmt: skip
    csv = tmp_path_factory.mktemp("csv") / "people.csv"
    rows = ["email,topics,districts,channels"]
    rows += [f"{name}.{tag}@example.org,{topics},{districts},email" for name, (topics, districts) in people.items()]
    rows.append(f"bad.{tag}@example.org,baustellen,atlantis,email")
    csv.write_text("\n".join(rows) + "\n")
    result = cli(stack, "subscribers", "import", str(csv))
    assert result.returncode == 1, result.stderr  # one bad row → exit 1, the rest imported
    assert "Zeile 9" in result.stderr and "atlantis" in result.stderr
    assert "7 neu" in result.stdout
    again = cli(stack, "subscribers", "import", str(csv))
    assert "0 neu, 0 geändert, 7 unverändert" in again.stdout
    key = cli(stack, "keys", "create", "--name", "Tiefbau", "--scope", "events:write")
    assert key.returncode == 0, key.stderr
    return {"tag": tag, "key": key.stdout.strip().splitlines()[-1]}


def post(stack, key, event) -> httpx.Response:
    return httpx.post(f"{stack.web_url}/v1/events", content=json.dumps(event), timeout=30,
                      headers={"authorization": f"Bearer {key}", "content-type": "application/cloudevents+json"})  # fmt: skip


def make_event(tag: str, n: int, topics, area, title: str) -> dict:
    return {"specversion": "1.0", "id": f"E2E-{tag}-{n}", "source": f"/e2e/{tag}", "type": "de.gelsenkirchen.baustelle",
            "data": {"title": title, "text": "Die Straße ist ab Montag gesperrt. Bitte fahren Sie eine Umleitung.",
                     "topics": topics, "area": area}}  # fmt: skip


def test_exactly_the_right_residents_get_exactly_one_email_and_a_replay_sends_nothing(stack, seeded):
    tag, key = seeded["tag"], seeded["key"]
    road = make_event(tag, 1, ["baustellen"], ["buer"], f"Sperrung in Buer {tag}")
    waste = make_event(tag, 2, ["abfuhr"], "citywide", f"Abfuhr später {tag}")
    for e in (road, waste):
        assert post(stack, key, e).status_code == 202
    wait_settled(stack, f"/e2e/{tag}", [road["id"], waste["id"]])

    expect_road = {f"{n}.{tag}@example.org" for n in ("anna", "bert", "cem", "gus")}
    expect_waste = {f"{n}.{tag}@example.org" for n in ("emil", "gus")}
    assert received(stack, road["data"]["title"]) == Counter({a: 1 for a in expect_road})
    assert received(stack, waste["data"]["title"]) == Counter({a: 1 for a in expect_waste})

    # The same (source, id) again — over HTTP twice and straight onto Kafka — sends nothing new.
    before = len(ours(stack, tag))
    assert post(stack, key, road).status_code == 202
    assert post(stack, key, road).status_code == 202
    asyncio.run(produce(stack, [json.dumps(road).encode()]))
    sentinel = make_event(tag, 3, ["baustellen"], ["horst"], f"Sperrung in Horst {tag}")
    assert post(stack, key, sentinel).status_code == 202
    wait_settled(stack, f"/e2e/{tag}", [sentinel["id"]])
    time.sleep(2)
    assert received(stack, sentinel["data"]["title"]) == Counter(
        {f"cem.{tag}@example.org": 1, f"dora.{tag}@example.org": 1}
    )
    assert len(ours(stack, tag)) == before + 2
    assert received(stack, road["data"]["title"]) == Counter({a: 1 for a in expect_road})


def test_email_headers_are_complete_and_safe(stack, seeded):
    tag, key = seeded["tag"], seeded["key"]
    e = make_event(tag, 10, ["parken"], ["buer"], f"Parken <b>Buer</b> Änderung {tag}")
    assert post(stack, key, e).status_code == 202
    wait_settled(stack, f"/e2e/{tag}", [e["id"]])
    [msg] = [m for m in mails(stack) if str(m["Subject"]) == e["data"]["title"] and str(m["To"]).startswith("fay.")]
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Message-ID"] and msg["Date"]
    assert msg["List-Unsubscribe"].startswith("<https://stadtbote.test/abmelden/")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = msg.get_body(("html",)).get_content()
    assert '<html lang="de">' in html
    assert "<b>Buer</b>" not in html and "&lt;b&gt;Buer&lt;/b&gt;" in html  # event text never becomes markup
    assert e["data"]["text"] in msg.get_body(("plain",)).get_content()


async def produce(stack, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{stack.kafka_port}")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(CITY_EVENTS, value)
    finally:
        await producer.stop()


async def dead_letters(stack, count: int, timeout: float = 30) -> list[dict]:
    consumer = AIOKafkaConsumer(DEAD_LETTER, bootstrap_servers=f"127.0.0.1:{stack.kafka_port}",
                                auto_offset_reset="earliest", group_id=None)  # fmt: skip
    await consumer.start()
    found: list[dict] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(found) < count:
            batch = await consumer.getmany(timeout_ms=500)
            found += [json.loads(m.value) for msgs in batch.values() for m in msgs]
    finally:
        await consumer.stop()
    return found


def test_invalid_records_on_kafka_go_to_the_dead_letter_topic_and_the_stream_goes_on(stack, seeded):
    tag = seeded["tag"]
    good = make_event(tag, 20, ["baustellen"], ["horst"], f"Nach dem Fehler {tag}")
    bad_json = f"kein json {tag}".encode()
    bad_topic = json.dumps(make_event(tag, 21, ["raumfahrt"], ["buer"], "x")).encode()
    asyncio.run(produce(stack, [bad_json, bad_topic, json.dumps(good).encode()]))
    wait_settled(stack, f"/e2e/{tag}", [good["id"]])
    assert received(stack, good["data"]["title"]) == Counter(
        {f"cem.{tag}@example.org": 1, f"dora.{tag}@example.org": 1}
    )
    letters = [d for d in asyncio.run(dead_letters(stack, 50, timeout=10)) if tag in json.dumps(d)]
    reasons = {d["reason"] for d in letters}
    assert any("JSON" in r for r in reasons)
    assert any("raumfahrt" in r for r in reasons)
    assert all(d["stage"] == "ingest" for d in letters)
