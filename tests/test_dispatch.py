"""The delivery step against a real SMTP server: fallback, retries, digests, quiet hours, the gate.

No broker here: the dispatcher and the digest builder are plain functions; the worker only routes
their outcomes (tests/test_e2e.py covers the whole path).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from notify.channels.registry import build_senders
from notify.devstack import free_port
from notify.digests import build_due_digests
from notify.dispatch import Dispatcher, backoff_seconds
from notify.embedded.smtp_sink import start_sink
from notify.pipeline import Runtime, ingest, plan
from notify.settings import Settings
from notify.timing import digest_cutoff, quiet_until
from subscribers.db import init_db, session_scope
from subscribers.ledger import CLAIMABLE
from subscribers.models import ChannelAddress, Delivery, DeliveryAttempt, Subscriber
from subscribers.store import save_subscriber
from topics.matcher import MatchIndex

BERLIN_NIGHT = datetime(2027, 3, 10, 22, 30, tzinfo=UTC)  # 23:30 in Gelsenkirchen


@pytest.fixture
def sink(tmp_path):
    port = free_port()
    controller = start_sink(tmp_path / "mail", port=port)
    yield port, tmp_path / "mail"
    controller.stop()


@pytest.fixture
def rt(tmp_path, sink, monkeypatch):
    port, _ = sink
    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'd.db'}"
    init_db(url)
    settings = Settings(data_dir=tmp_path / "var", database_url=url, smtp_url=f"smtp://127.0.0.1:{port}",
                        secret_key="k", base_url="https://stadtbote.test", max_attempts=3)  # fmt: skip
    return Runtime(settings)


def resident(rt, addresses, subs=(("baustellen", "buer"),), **fields) -> int:
    with session_scope(rt.db_url) as s:
        sub = Subscriber(**fields)
        save_subscriber(s, sub, list(addresses), set(subs))
        return sub.id


def send_event(rt, event_id="e1", urgent=False, title="Sperrung der Horster Straße", subject=None, **data):
    event = {"specversion": "1.0", "id": event_id, "source": "/tiefbau", "type": "de.gelsenkirchen.baustelle",
             "data": {"title": title, "text": "Die Straße ist ab Montag gesperrt. Bitte fahren Sie die Umleitung.",
                      "topics": ["baustellen"], "area": ["buer"], "urgency": "urgent" if urgent else "normal", **data}}  # fmt: skip
    if subject:
        event["subject"] = subject  # CloudEvents: what the event is about; a later one with it updates it
    index = MatchIndex(rt.catalogue)
    from subscribers.store import iter_snapshot

    with session_scope(rt.db_url) as s:
        for record in iter_snapshot(s):
            index.apply(record)
    ingested = ingest(json.dumps(event).encode(), rt)
    if ingested.outcome != "new":  # what the worker does: duplicates and held events go no further
        return []
    targets = index.deliveries(ingested.event.data.topics, ingested.event.data.area, urgent=ingested.event.urgent)
    return plan(rt, ingested.event, ingested.event_pk, targets)


async def dispatch(rt, pending):
    dispatcher = Dispatcher(rt, build_senders(rt.settings))
    try:
        return await dispatcher.run_batch([p[0] for p in pending])
    finally:
        await dispatcher.close()


def statuses(rt) -> dict[tuple[int, str], str]:
    with session_scope(rt.db_url) as s:
        return {(d.subscriber_id, d.channel): d.status for d in s.execute(select(Delivery)).scalars()}


def mails(maildir):
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted((maildir / "new").glob("*"))]


async def test_a_permanent_email_failure_falls_back_to_the_letter_and_unsubscribes_the_address(rt):
    sid = resident(
        rt, [("email", "weg@bounce.invalid"), ("letter", "Erika Musterfrau\nHorster Straße 1\n45897 Gelsenkirchen")]
    )
    outcomes = await dispatch(rt, send_event(rt))
    [o] = outcomes
    assert o.status == "fallback" and "550" in o.error
    assert o.next_delivery[2] == "letter"
    await dispatch(rt, [o.next_delivery])
    assert statuses(rt) == {(sid, "email"): "failed", (sid, "letter"): "sent"}
    with session_scope(rt.db_url) as s:
        [attempt] = s.execute(select(DeliveryAttempt)).scalars()
        assert (attempt.delivery_id, attempt.outcome, attempt.attempt) == (o.delivery_id, "failed", 1)
        assert "550" in attempt.error
    assert len(list((rt.settings.data_dir / "letters").rglob("pending/*.json"))) == 1
    with session_scope(rt.db_url) as s:  # the bounced address is gone, the letter address stays
        assert [
            a.channel for a in s.execute(select(ChannelAddress).where(ChannelAddress.subscriber_id == sid)).scalars()
        ] == ["letter"]


async def test_a_transient_failure_is_retried_and_given_up_after_max_attempts(rt):
    resident(rt, [("email", "bald@later.invalid")])
    pending = send_event(rt)
    seen = []
    for _ in range(3):
        [o] = await dispatch(rt, pending)
        seen.append((o.status, o.attempts))
    assert seen == [("retry", 1), ("retry", 2), ("dead", 3)]
    assert await dispatch(rt, pending) == []  # a dead delivery is never claimed again
    with session_scope(rt.db_url) as s:  # every attempt is in the ledger, with what the server said
        history = [(a.attempt, a.outcome, a.error) for a in s.execute(select(DeliveryAttempt)).scalars()]
    assert [(n, outcome) for n, outcome, _ in history] == [(1, "retry"), (2, "retry"), (3, "dead")]
    assert all(error and "451" in error for _, _, error in history)


@pytest.mark.parametrize("attempts", [1, 2, 5, 12])
def test_backoff_grows_exponentially_with_jitter(attempts):
    values = [backoff_seconds(attempts) for _ in range(200)]
    assert 0 <= min(values) and max(values) <= min(300, 2 * 2 ** (attempts - 1))
    assert len(set(values)) > 100  # jitter


async def test_nothing_is_sent_twice_when_a_batch_is_dispatched_again(rt, sink):
    resident(rt, [("email", "anna@example.org")])
    pending = send_event(rt)
    first = await dispatch(rt, pending)
    again = await dispatch(rt, pending + send_event(rt))  # replayed delivery message and replayed event
    assert [o.status for o in first] == ["sent"] and again == []
    assert len(mails(sink[1])) == 1


async def test_urgent_warnings_go_out_on_every_channel_at_once(rt, sink):
    sid = resident(rt, [("email", "sara@example.org"), ("sms", "+4915112345678")], subs=(("unwetter", "citywide"),))
    event = {"topics": ["unwetter"], "area": "citywide"}
    outcomes = await dispatch(rt, send_event(rt, urgent=True, title="Warnung: Starkregen heute Abend", **event))
    assert sorted((o.channel, o.status) for o in outcomes) == [("email", "sent"), ("sms", "sent")]
    sms = [json.loads(line) for line in (rt.settings.data_dir / "outbox" / "sms.jsonl").read_text().splitlines()]
    assert sms[0]["recipient"] == "+4915112345678" and "Starkregen" in sms[0]["body"]
    assert statuses(rt) == {(sid, "email"): "sent", (sid, "sms"): "sent"}


@pytest.mark.parametrize(
    ("start", "end", "now_utc", "until_local"),
    [
        ("22:00", "07:00", "2027-03-10T22:30", "2027-03-11T07:00"),  # 23:30 local
        ("22:00", "07:00", "2027-03-11T05:00", "2027-03-11T07:00"),  # 06:00 local
        ("22:00", "07:00", "2027-03-11T06:00", None),  # 07:00 local: over
        ("22:00", "07:00", "2027-03-10T20:00", None),  # 21:00 local
        ("12:00", "14:00", "2027-07-01T10:30", "2027-07-01T14:00"),  # summer time, 12:30 local
        (None, None, "2027-03-10T22:30", None),
        ("08:00", "08:00", "2027-03-10T07:30", None),
    ],
)
def test_quiet_hours(start, end, now_utc, until_local):
    until = quiet_until(start, end, datetime.fromisoformat(now_utc).replace(tzinfo=UTC))
    assert (until.replace(tzinfo=None).isoformat(timespec="minutes") if until else None) == until_local


@pytest.mark.parametrize(
    ("frequency", "now_utc", "cutoff_local"),
    [
        ("daily", "2027-03-10T12:00", "2027-03-10T07:00"),
        ("daily", "2027-03-10T05:00", "2027-03-09T07:00"),  # 06:00 local: yesterday's
        ("weekly", "2027-03-10T12:00", "2027-03-08T07:00"),  # Wednesday → Monday
        ("weekly", "2027-03-08T05:00", "2027-03-01T07:00"),  # Monday 06:00 → the Monday before
    ],
)
def test_digest_cutoff(frequency, now_utc, cutoff_local):
    cutoff = digest_cutoff(frequency, datetime.fromisoformat(now_utc).replace(tzinfo=UTC))
    assert cutoff.replace(tzinfo=None).isoformat(timespec="minutes") == cutoff_local


async def test_sms_in_quiet_hours_waits_but_an_urgent_one_does_not(rt, monkeypatch):
    import notify.dispatch as dispatch_module

    class Night(datetime):
        @classmethod
        def now(cls, tz=None):
            return BERLIN_NIGHT

    monkeypatch.setattr(dispatch_module, "datetime", Night)
    resident(rt, [("sms", "+4915112345678")], subs=(("baustellen", "buer"), ("unwetter", "citywide")),
             quiet_start="22:00", quiet_end="07:00")  # fmt: skip
    [normal] = await dispatch(rt, send_event(rt, "n1"))
    assert normal.status == "deferred"
    assert normal.not_before == datetime(2027, 3, 11, 6, 0, tzinfo=UTC)  # 07:00 local
    [urgent] = await dispatch(rt, send_event(rt, "u1", urgent=True, topics=["unwetter"], area="citywide"))
    assert urgent.status == "sent"


async def test_a_daily_digest_bundles_everything_once_with_the_latest_version(rt, sink):
    sid = resident(rt, [("email", "dora@example.org")], frequency="daily")
    other = resident(rt, [("email", "emil@example.org")])  # immediate
    outcomes = await dispatch(rt, send_event(rt, "a", title="Sperrung Horster Straße", subject="horster-strasse"))
    outcomes += await dispatch(
        rt, send_event(rt, "b", title="Sperrung Horster Straße verlängert", subject="horster-strasse")
    )
    outcomes += await dispatch(rt, send_event(rt, "c", title="Neue Ampel am Goldbergplatz"))
    assert {(o.subscriber_id, o.status) for o in outcomes} == {(sid, "digest"), (other, "sent")}
    assert len(mails(sink[1])) == 3  # only the immediate resident so far

    assert build_due_digests(rt, now=datetime.now(UTC) - timedelta(days=2)) == []  # not due yet
    tomorrow = datetime.now(UTC) + timedelta(days=1, hours=1)
    due = build_due_digests(rt, now=tomorrow)
    assert [(d[1], d[2]) for d in due] == [(sid, "email")]
    assert build_due_digests(rt, now=tomorrow) == []  # built once
    [sent] = await dispatch(rt, due)
    assert sent.status == "sent"
    [digest] = [m for m in mails(sink[1]) if str(m["To"]) == "dora@example.org"]
    body = digest.get_body(("plain",)).get_content()
    assert "Ihre Nachrichten" in str(digest["Subject"])
    assert "Sperrung Horster Straße verlängert" in body and "Neue Ampel am Goldbergplatz" in body
    assert "Sperrung Horster Straße\n" not in body  # the outdated version was replaced
    with session_scope(rt.db_url) as s:
        bundled = (
            s.execute(select(Delivery).where(Delivery.subscriber_id == sid, Delivery.status == "bundled"))
            .scalars()
            .all()
        )
    assert len(bundled) == 3 and all(d.status not in CLAIMABLE for d in bundled)


LONG = ("Ab Montag ist die Horster Straße zwischen Maelostraße und Goldbergplatz voll gesperrt, weil wir die alte "
        "Wasserleitung erneuern. Die Busse der Linie 244 fahren in dieser Zeit eine Umleitung über die Cranger Straße, "
        "die Haltestellen am Goldbergplatz entfallen für die gesamte Dauer der Arbeiten ersatzlos.")  # fmt: skip
HARD = ("Die Durchführung der Maßnahme erfolgt zwecks Gewährleistung der Verkehrssicherheit unter Berücksichtigung "
        "der einschlägigen Bestimmungen, wobei seitens der zuständigen Behörde eine entsprechende Inaugenscheinnahme "
        "vorgenommen wurde, deren Ergebnisse den Anliegern zur Kenntnisnahme übermittelt worden sind, sofern diese "
        "nicht bereits anderweitig in Kenntnis gesetzt worden waren.")  # fmt: skip


async def test_a_letter_that_misses_the_residents_profile_is_held_with_its_report(rt):
    # Standard German is fine for the event, but its "Leichte Sprache" version is not Leichte
    # Sprache, and a printed letter cannot be corrected after sending: held for staff, not sent.
    sid = resident(rt, [("letter", "Erika Musterfrau\nHorster Straße 1\n45897 Gelsenkirchen")], profile="leicht")
    leicht = {"language": "de", "profile": "leicht", "title": "Die Horster Straße ist zu", "text": LONG}
    [o] = await dispatch(rt, send_event(rt, versions=[leicht]))
    assert o.status == "held"
    with session_scope(rt.db_url) as s:
        row = s.execute(select(Delivery).where(Delivery.subscriber_id == sid)).scalars().one()
    report = json.loads(row.readability)
    assert row.status == "held" and report["profile"] == "leicht" and report["passed"] is False
    assert not list((rt.settings.data_dir / "letters").rglob("pending/*.json"))


async def test_an_event_text_in_amtsdeutsch_is_held_at_ingest_and_nobody_gets_it(rt, sink):
    resident(rt, [("email", "anna@example.org")])
    assert send_event(rt, text=HARD) == []
    with session_scope(rt.db_url) as s:
        from subscribers.models import EventRecord

        record = s.execute(select(EventRecord)).scalars().one()
    assert record.status == "held" and json.loads(record.readability)["findings"]
    assert mails(sink[1]) == []
