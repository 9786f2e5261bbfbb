"""The bulk CSV import (subscribers/bulk.py) gives what row-by-row saving gave: the same people,
addresses and subscriptions, the same change records for the workers, across chunk borders."""

from __future__ import annotations

import io

import pytest
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update

from subscribers import importer
from subscribers.bulk import change_records
from subscribers.db import session_scope
from subscribers.importer import import_csv, normalized_email
from subscribers.models import ChannelAddress, Subscriber
from subscribers.store import change_record

HEADER = "email,name,topics,districts,channels,phone,postal_address,language,profile,frequency\n"
ROWS = [
    "anna@example.org,Anna,baustellen;abfuhr,buer,email,,,de,standard,immediate",
    "bert@example.org,Bert,verkehr,citywide,sms;email,+4915112345678,,tr,einfach,daily",
    ",Erika,warnungen,horst,letter,,Erika M. | Hauptstr. 1 | 45899 Gelsenkirchen,de,leicht,immediate",
    "cem@example.org,Cem,kita,erle;buer,email,,,de,standard,weekly",
    "dora@example.org,Dora,abfuhr,citywide,email;letter,,Dora D. | Weg 2 | 45879 Gelsenkirchen,en,standard,immediate",
]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 2)  # every test crosses chunk borders


def run(db_url, catalogue, text_or_lines):
    with session_scope(db_url) as s:
        return import_csv(s, text_or_lines, topics=catalogue.topics, districts=catalogue.districts)


def state(db_url) -> dict:
    with session_scope(db_url) as s:
        ids = list(s.execute(select(Subscriber.id).order_by(Subscriber.id)).scalars())
        people = {sid: change_record(s, sid) for sid in ids}
        addresses = sorted(s.execute(select(ChannelAddress.subscriber_id, ChannelAddress.channel,
                                            ChannelAddress.address, ChannelAddress.priority)).all())  # fmt: skip
    return {"people": people, "addresses": addresses}


def test_a_streamed_file_imports_every_row_across_chunks_and_a_rerun_changes_nothing(db_url, catalogue):
    report = run(db_url, catalogue, io.StringIO(HEADER + "\n".join(ROWS) + "\n"))
    assert (report.created, report.updated, report.unchanged, report.errors) == (5, 0, 0, [])
    first = state(db_url)
    assert [p["channels"] for p in first["people"].values()] == [
        ["email"], ["sms", "email"], ["letter"], ["email"], ["email", "letter"]]  # fmt: skip
    assert first["people"][2]["frequency"] == "daily"
    again = run(db_url, catalogue, HEADER + "\n".join(ROWS) + "\n")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5) and again.changed_ids == []
    assert state(db_url) == first


@pytest.mark.parametrize(
    ("row", "expect"),
    [
        ("anna@example.org,Anna,kita,erle,email,,,de,standard,immediate", {"subscriptions": [["kita", "erle"]]}),
        ("anna@example.org,Anna,baustellen;abfuhr,buer,email,,,de,standard,weekly", {"frequency": "weekly"}),
        ("anna@example.org,Anna,baustellen;abfuhr,buer,email;sms,+4915199999999,,de,standard,immediate",
         {"channels": ["email", "sms"]}),
    ],
)  # fmt: skip
def test_a_changed_row_updates_exactly_that_subscriber(db_url, catalogue, row, expect):
    run(db_url, catalogue, HEADER + "\n".join(ROWS) + "\n")
    before = state(db_url)
    report = run(db_url, catalogue, HEADER + row + "\n")
    assert (report.updated, report.changed_ids) == (1, [1])
    after = state(db_url)
    assert {k: after["people"][1][k] for k in expect} == expect
    assert {k: v for k, v in after["people"].items() if k != 1} == {k: v for k, v in before["people"].items() if k != 1}


def test_two_rows_that_find_the_same_person_in_one_chunk_are_applied_in_order(db_url, catalogue):
    run(db_url, catalogue, HEADER + ROWS[1] + "\n")  # Bert: sms first, then email
    # Found once by e-mail, once by phone (rows without e-mail are identified by their phone).
    text = HEADER + "bert@example.org,Bert,verkehr,citywide,email,,,tr,einfach,daily\n" \
        ",Bert,abfuhr,citywide,sms,+4915112345678,,tr,einfach,daily\n"  # fmt: skip
    report = run(db_url, catalogue, text)
    assert report.errors == []
    people = state(db_url)["people"]
    # As row by row: the e-mail row drops Bert's phone, so the phone row then finds nobody.
    assert people[1]["channels"] == ["email"] and people[1]["subscriptions"] == [["verkehr", "citywide"]]
    assert len(people) == 2 and people[2]["channels"] == ["sms"]
    assert people[2]["subscriptions"] == [["abfuhr", "citywide"]]


def test_change_records_in_bulk_are_the_same_as_one_by_one(db_url, catalogue):
    run(db_url, catalogue, HEADER + "\n".join(ROWS) + "\n")
    with session_scope(db_url) as s:
        s.execute(update(Subscriber).where(Subscriber.id == 3).values(status="unsubscribed"))
        s.execute(update(ChannelAddress).where(ChannelAddress.subscriber_id == 5, ChannelAddress.channel == "letter")
                  .values(confirmed_at=None))  # fmt: skip
    ids = [1, 2, 3, 4, 5, 999]
    with session_scope(db_url) as s:
        assert change_records(s, ids, chunk=4) == [change_record(s, sid) for sid in ids]


@pytest.mark.parametrize(
    "address",
    ["Anna@Example.org", "a.b+c@sub.example.de", "x@localhost", "x@foo.test", "a..b@example.org", ".a@example.org",
     "a@-example.org", "a@example", "a@example.123", "ä@example.org", "a@bücher.de", '"a b"@example.org',
     "a@example.invalid", "a@exa_mple.org", "a" * 65 + "@example.org", "a@" + "b" * 64 + ".de", "a@example.org.",
     "not-an-address", "a@b.c", "user@[127.0.0.1]", "a@ex--ample.org", "o'brien@example.ie"],
)  # fmt: skip
def test_the_fast_address_check_agrees_with_email_validator(address):
    try:
        expected = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = "invalid"
    try:
        got = normalized_email(address)
    except EmailNotValidError:
        got = "invalid"
    assert got == expected
