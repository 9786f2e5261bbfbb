"""Versions of a message: each resident reads the version for their language and level.

The order (notify/versions.py), the event contract, the sentence when a version is missing, the
``wait_for_version`` policy and the gate per version — on the real dispatcher and SMTP server.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select, update

import plainlang
from notify.channels.registry import build_senders
from notify.devstack import free_port
from notify.dispatch import Dispatcher
from notify.embedded.smtp_sink import start_sink
from notify.events import InvalidEvent, parse_event
from notify.pipeline import Runtime, ingest, plan
from notify.settings import Settings
from notify.version_waits import waiting_summary
from notify.versions import missing_note, preference
from subscribers.db import init_db, session_scope
from subscribers.models import Delivery, Subscriber
from subscribers.store import iter_snapshot, save_subscriber
from topics.matcher import MatchIndex

BASE_TEXT = "Die Horster Straße ist ab Montag gesperrt. Bitte fahren Sie die Umleitung über die Cranger Straße."
EINFACH = {"language": "de", "profile": "einfach", "title": "Horster Straße: ab Montag gesperrt",
           "text": "Ab Montag ist die Horster Straße zu. Fahren Sie bitte über die Cranger Straße."}  # fmt: skip
LEICHT = {"language": "de", "profile": "leicht", "title": "Die Horster Straße ist zu",
          "text": "Die Horster Straße ist ab Montag zu.\nAutos fahren dann über die Cranger Straße."}  # fmt: skip
ENGLISH = {"language": "en", "profile": "standard", "title": "Horster Strasse closed from Monday",
           "text": "Horster Strasse is closed from Monday. Please follow the diversion via Cranger Strasse."}  # fmt: skip


# -- the order ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "profile", "present", "chosen"),
    [
        ("de", "leicht", ["de/einfach", "de/leicht"], "de/leicht"),
        ("de", "leicht", ["de/einfach"], "de/einfach"),  # next harder: Einfache before Standard
        ("de", "leicht", [], "de/standard"),
        ("de", "einfach", ["de/leicht"], "de/leicht"),  # next simpler before the harder one
        ("de", "einfach", [], "de/standard"),
        ("de", "standard", ["de/einfach", "de/leicht"], "de/standard"),
        ("en", "standard", ["en/standard", "de/leicht"], "en/standard"),
        ("en", "leicht", ["en/standard", "de/leicht"], "en/standard"),  # own language first
        ("en", "einfach", ["de/einfach"], "de/einfach"),  # then German, by the same order
        ("tr", "standard", ["en/standard"], "de/standard"),
        ("tr", "leicht", ["de/einfach", "de/leicht"], "de/leicht"),
    ],
)
def test_each_resident_gets_the_nearest_version_in_the_documented_order(language, profile, present, chosen):
    have = {tuple(k.split("/")) for k in present} | {("de", "standard")}
    first = next(pair for pair in preference(language, profile) if pair in have)
    assert "/".join(first) == chosen


# -- the contract ------------------------------------------------------------------------------
def event(versions=None, event_id="v1", **data) -> dict:
    body = {"title": "Sperrung der Horster Straße", "text": BASE_TEXT, "topics": ["baustellen"],
            "area": ["buer"], **data}  # fmt: skip
    if versions is not None:
        body["versions"] = versions
    return {"specversion": "1.0", "id": event_id, "source": "/tiefbau", "type": "de.gelsenkirchen.baustelle",
            "data": body}  # fmt: skip


@pytest.mark.parametrize(
    ("versions", "field"),
    [
        ([LEICHT, {**LEICHT, "text": "Noch einmal."}], "data.versions.1"),
        ([{**EINFACH, "profile": "standard"}], "data.versions.0"),  # de/standard is the base
        ([{**LEICHT, "profile": "sehr-leicht"}], "data.versions.0.profile"),
        ([{**LEICHT, "title": ""}], "data.versions.0.title"),
        ([{**LEICHT, "title": "Zwei\nZeilen"}], "data.versions.0.title"),
        ([{**LEICHT, "language": "Deutsch"}], "data.versions.0.language"),
        ([{**LEICHT, "audience": 3}], "data.versions.0.audience"),
        ([{key: v for key, v in LEICHT.items() if key != "text"}], "data.versions.0.text"),
    ],
)
def test_a_bad_version_is_refused_with_its_field_path(catalogue, versions, field):
    with pytest.raises(InvalidEvent) as caught:
        parse_event(event(versions), catalogue)
    assert field in [e["field"] for e in caught.value.errors]


def test_versions_are_accepted_and_travel_on(catalogue):
    parsed = parse_event(event([EINFACH, LEICHT, ENGLISH]), catalogue)
    again = json.loads(parsed.to_json())["data"]["versions"]
    assert [(v["language"], v["profile"], v["reviewed"]) for v in again] == [
        ("de", "einfach", False), ("de", "leicht", False), ("en", "standard", False)]  # fmt: skip


@pytest.mark.parametrize("profile", ["einfach", "leicht"])
def test_the_missing_version_sentence_is_plain_in_its_own_level(plain_runtime, catalogue, profile):
    from notify.versions import choose

    chosen = choose(parse_event(event(), catalogue), "de", profile)
    note = missing_note(chosen, catalogue.sender["phone"])
    assert catalogue.sender["phone"] in note and "noch nicht" in note
    assert plainlang.check(note, profile=profile).passed


# -- on the dispatcher and a real SMTP server --------------------------------------------------
@pytest.fixture
def sink(tmp_path):
    port = free_port()
    controller = start_sink(tmp_path / "mail", port=port)
    yield port, tmp_path / "mail"
    controller.stop()


@pytest.fixture
def rt(tmp_path, sink, monkeypatch, db_url):
    """SQLite, and PostgreSQL when TEST_DATABASE_URL is set (the waiting rows use UPDATE … RETURNING)."""
    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    settings = Settings(data_dir=tmp_path / "var", database_url=db_url, smtp_url=f"smtp://127.0.0.1:{sink[0]}",
                        secret_key="k", base_url="https://stadtbote.test")  # fmt: skip
    return Runtime(settings)


def resident(rt, email, language="de", profile="standard", subs=(("baustellen", "buer"),)) -> int:
    with session_scope(rt.db_url) as s:
        sub = Subscriber(language=language, profile=profile)
        save_subscriber(s, sub, [("email", email)], set(subs))
        return sub.id


def send(rt, raw: dict):
    index = MatchIndex(rt.catalogue)
    with session_scope(rt.db_url) as s:
        for record in iter_snapshot(s):
            index.apply(record)
    ingested = ingest(json.dumps(raw).encode(), rt)
    if ingested.outcome != "new":
        return ingested
    targets = index.deliveries(ingested.event.data.topics, ingested.event.data.area, urgent=ingested.event.urgent)
    return plan(rt, ingested.event, ingested.event_pk, targets)


async def dispatch(rt, ids):
    dispatcher = Dispatcher(rt, build_senders(rt.settings))
    try:
        return await dispatcher.run_batch(list(ids))
    finally:
        await dispatcher.close()


def inbox(maildir) -> dict[str, str]:
    out = {}
    for p in sorted((maildir / "new").glob("*")):
        m = message_from_bytes(p.read_bytes(), policy=policy.default)
        out[str(m["To"])] = f"{m['Subject']}\n{m.get_body(('plain',)).get_content()}".replace("\r\n", "\n")
    return out


def versions_in_ledger(rt) -> dict[int, tuple[str, str | None]]:
    with session_scope(rt.db_url) as s:
        return {d.subscriber_id: (d.status, d.version) for d in s.execute(select(Delivery)).scalars()}


TEXTS = {"de/standard": BASE_TEXT, "de/einfach": EINFACH["text"], "de/leicht": LEICHT["text"], "en/standard": ENGLISH["text"]}  # fmt: skip


async def test_each_reader_gets_exactly_their_version_and_the_ledger_says_which(rt, sink):
    readers = {"std@example.org": ("de", "standard"), "einfach@example.org": ("de", "einfach"),
               "leicht@example.org": ("de", "leicht"), "en@example.org": ("en", "standard")}  # fmt: skip
    ids = {addr: resident(rt, addr, *lp) for addr, lp in readers.items()}
    pending = send(rt, event([EINFACH, LEICHT, ENGLISH]))
    outcomes = await dispatch(rt, [p[0] for p in pending])
    assert sorted(o.status for o in outcomes) == ["sent"] * 4
    got = inbox(sink[1])
    for addr, (language, profile) in readers.items():
        key = f"{language}/{profile}"
        body = " ".join(got[addr].split())
        assert " ".join(TEXTS[key].split()) in body, (addr, body)
        assert all(" ".join(t.split()) not in body for k, t in TEXTS.items() if k != key), addr
        assert "noch nicht" not in body and "not yet available" not in body  # everybody got their own
        assert versions_in_ledger(rt)[ids[addr]] == ("sent", key)


async def test_without_their_version_readers_get_the_nearest_with_one_sentence_saying_so(rt, sink):
    leicht = resident(rt, "leicht@example.org", profile="leicht")
    english = resident(rt, "en@example.org", language="en")
    pending = send(rt, event([EINFACH]))
    await dispatch(rt, [p[0] for p in pending])
    got = inbox(sink[1])
    assert EINFACH["text"] in got["leicht@example.org"]
    assert "Diese Nachricht gibt es noch nicht in Leichter Sprache. Fragen? Rufen Sie an: 0209 169-0." in got["leicht@example.org"]
    assert BASE_TEXT in " ".join(got["en@example.org"].split())
    assert "This message is not yet available in English. Questions? Please call 0209 169-0." in got["en@example.org"]
    assert versions_in_ledger(rt) == {leicht: ("sent", "de/einfach"), english: ("sent", "de/standard")}


def html_inbox(maildir) -> dict[str, str]:
    out = {}
    for p in sorted((maildir / "new").glob("*")):
        m = message_from_bytes(p.read_bytes(), policy=policy.default)
        out[str(m["To"])] = m.get_body(("html",)).get_content()
    return out


async def test_each_part_of_an_email_says_its_own_language_so_screen_readers_speak_it_right(rt, sink):
    """An Arabic reader's e-mail was German words marked lang="ar" with an English note; an English
    reader's English text was marked lang="de". Now: the frame is the template's language, the note
    the reader's (Arabic, right to left), the text the version's."""
    resident(rt, "ar@example.org", language="ar")
    resident(rt, "uk@example.org", language="uk")
    resident(rt, "en@example.org", language="en")
    pending = send(rt, event([ENGLISH]))
    await dispatch(rt, [p[0] for p in pending])
    plain, html = inbox(sink[1]), html_inbox(sink[1])
    arabic = html["ar@example.org"]
    assert '<html lang="de">' in arabic and 'lang="ar"' not in arabic.split("<body", 1)[0]
    assert '<div lang="ar" dir="rtl"><p style="margin:0 0 16px 0;">هذه الرسالة غير متوفرة بعد باللغة العربية.' in arabic
    assert '<div lang="de" dir="ltr">' in arabic and BASE_TEXT.split(".")[0] in arabic
    assert "Цього повідомлення ще немає українською. Є питання? Телефонуйте: 0209 169-0." in plain["uk@example.org"]
    english = html["en@example.org"]
    assert '<html lang="en">' in english and '<div lang="en" dir="ltr">' in english and '<div lang="de">' not in english
    assert "not yet available" not in english  # their own version: no note


def participation(versions=None, **data):
    return event(versions, event_id="bet-1", topics=["beteiligungsverfahren"], **data)


async def test_wait_for_version_keeps_them_back_until_the_version_arrives(rt, sink):
    resident(rt, "std@example.org", subs=(("beteiligung", "buer"),))
    leicht = resident(rt, "leicht@example.org", profile="leicht", subs=(("beteiligung", "buer"),))
    pending = send(rt, participation())
    outcomes = await dispatch(rt, [p[0] for p in pending])
    assert {o.subscriber_id: o.status for o in outcomes}[leicht] == "waiting"
    assert list(inbox(sink[1])) == ["std@example.org"]
    with session_scope(rt.db_url) as s:
        [summary] = waiting_summary(s)
        row = s.execute(select(Delivery).where(Delivery.subscriber_id == leicht)).scalars().one()
    assert summary.label == "wartet auf Leichte Sprache: 1 Person"
    assert row.version == "de/leicht" and row.not_before is not None
    assert abs((row.not_before.replace(tzinfo=UTC) - datetime.now(UTC)) - timedelta(hours=24)) < timedelta(minutes=1)

    # The same event again with the Leichte-Sprache version: nobody gets the base twice, she gets hers.
    updated = send(rt, participation([LEICHT]))
    assert updated.outcome == "versions" and [r[1] for r in updated.released] == [leicht]
    await dispatch(rt, [r[0] for r in updated.released])
    got = inbox(sink[1])
    assert sorted(got) == ["leicht@example.org", "std@example.org"]
    assert LEICHT["text"] in got["leicht@example.org"] and "noch nicht" not in got["leicht@example.org"]
    assert versions_in_ledger(rt)[leicht] == ("sent", "de/leicht")


async def test_when_the_wait_is_over_the_nearest_version_goes_out_with_the_sentence(rt, sink):
    leicht = resident(rt, "leicht@example.org", profile="leicht", subs=(("beteiligung", "buer"),))
    pending = send(rt, participation([EINFACH]))
    await dispatch(rt, [p[0] for p in pending])
    assert versions_in_ledger(rt)[leicht] == ("waiting", "de/leicht")
    with session_scope(rt.db_url) as s:  # 25 hours later: what the worker's timer does
        s.execute(update(Delivery).values(created_at=datetime.now(UTC) - timedelta(hours=25),
                                          status="pending", not_before=None))  # fmt: skip
    await dispatch(rt, [p[0] for p in pending])
    body = inbox(sink[1])["leicht@example.org"]
    assert EINFACH["text"] in body and "noch nicht in Leichter Sprache" in body
    assert versions_in_ledger(rt)[leicht] == ("sent", "de/einfach")


async def test_an_urgent_message_never_waits_for_a_version(rt, sink):
    leicht = resident(rt, "leicht@example.org", profile="leicht", subs=(("beteiligung", "buer"),))
    pending = send(rt, participation(urgency="urgent"))
    outcomes = await dispatch(rt, [p[0] for p in pending])
    assert [o.status for o in outcomes] == ["sent"]
    assert versions_in_ledger(rt)[leicht] == ("sent", "de/standard")


def test_an_update_that_changes_the_base_text_is_a_duplicate_not_a_resend(rt, sink):
    resident(rt, "std@example.org", subs=(("beteiligung", "buer"),))
    send(rt, participation())
    again = send(rt, participation([LEICHT], text="Ein ganz anderer Text."))
    assert again.outcome == "duplicate" and again.released == []


HARD = ("Die Durchführung der Maßnahme erfolgt zwecks Gewährleistung der Verkehrssicherheit unter Berücksichtigung "
        "der einschlägigen Bestimmungen, wobei seitens der zuständigen Behörde eine entsprechende Inaugenscheinnahme "
        "vorgenommen wurde, deren Ergebnisse den Anliegern zur Kenntnisnahme übermittelt worden sind.")  # fmt: skip


async def test_each_version_is_gated_against_its_own_profile_not_the_base(rt, sink):
    # The base is Amtsdeutsch: standard readers' mail is checked against Standard.
    # The Leichte-Sprache reader never gets the base, so it must not hold back her own version.
    std = resident(rt, "std@example.org")
    leicht = resident(rt, "leicht@example.org", profile="leicht")
    pending = send(rt, event([LEICHT], text=HARD))
    outcomes = {o.subscriber_id: o for o in await dispatch(rt, [p[0] for p in pending])}
    assert outcomes[leicht].status == "sent" and LEICHT["text"] in inbox(sink[1])["leicht@example.org"]
    with session_scope(rt.db_url) as s:
        rows = {d.subscriber_id: d for d in s.execute(select(Delivery)).scalars()}
    std_report = json.loads(rows[std].readability)
    assert std_report["profile"] == "standard" and std_report["findings"]  # its own text, against Standard
    assert rows[leicht].readability is None or json.loads(rows[leicht].readability)["profile"] == "leicht"


def test_an_older_database_gets_the_version_column(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'old.db'}"
    init_db(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # what a database from before versions looks like
        conn.execute(sa.text('ALTER TABLE delivery DROP COLUMN "version"'))
    init_db(url)
    assert "version" in {c["name"] for c in sa.inspect(sa.create_engine(url)).get_columns("delivery")}


async def test_a_digest_carries_each_item_in_the_readers_version(rt, sink):
    from notify.digests import build_due_digests

    with session_scope(rt.db_url) as s:
        sub = Subscriber(language="de", profile="leicht", frequency="daily")
        save_subscriber(s, sub, [("email", "leicht@example.org")], {("baustellen", "buer")})
        sid = sub.id
    pending = send(rt, event([LEICHT]))
    assert [o.status for o in await dispatch(rt, [p[0] for p in pending])] == ["digest"]
    due = build_due_digests(rt, now=datetime.now(UTC) + timedelta(days=1, hours=1))
    assert [(d[1], d[2]) for d in due] == [(sid, "email")]
    [sent] = await dispatch(rt, [d[0] for d in due])
    body = inbox(sink[1])["leicht@example.org"]
    assert sent.status == "sent" and sent.version == "de/leicht"
    assert LEICHT["title"] in body and "Die Horster Straße ist ab Montag zu." in body
    assert BASE_TEXT not in " ".join(body.split()) and "noch nicht" not in body
