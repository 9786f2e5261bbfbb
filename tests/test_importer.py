"""CSV import: bad rows named by line and skipped, good rows imported, re-runs change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from subscribers.db import session_scope
from subscribers.importer import ImportFormatError, import_csv
from subscribers.models import ChannelAddress, Subscriber, Subscription
from subscribers.store import change_record

HEADER = "email,name,topics,districts,channels,phone,postal_address,language,profile\n"
GOOD = (
    "anna@example.org,Anna,baustellen;abfuhr,buer,email,,,de,standard\n"
    "bert@example.org,Bert,verkehr,citywide,email;sms,+49 151 1234567,,de,einfach\n"
    ",Erika,warnungen,horst,letter,,Erika M. | Hauptstr. 1 | 45899 Gelsenkirchen,de,leicht\n"
)


def run(db_url, catalogue, text):
    with session_scope(db_url) as s:
        return import_csv(s, text, topics=catalogue.topics, districts=catalogue.districts)


def counts(db_url):
    with session_scope(db_url) as s:
        return tuple(
            s.execute(select(func.count()).select_from(m)).scalar() for m in (Subscriber, Subscription, ChannelAddress)
        )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x@example.org,X,baustellen,atlantis,email,,,de,standard", "unbekannte Stadtteile: atlantis"),
        ("x@example.org,X,raumfahrt,buer,email,,,de,standard", "unbekannte Themen: raumfahrt"),
        ("x@example.org,X,baustellen,buer,fax,,,de,standard", "unbekannte Kanäle: fax"),
        ("not-an-address,X,baustellen,buer,email,,,de,standard", "ungültige E-Mail-Adresse"),
        ("x@example.org,X,baustellen,buer,email;sms,,,de,standard", 'Kanal "sms" braucht die Spalte "phone"'),
        ("x@example.org,X,,buer,email,,,de,standard", "keine Themen"),
        ("x@example.org,X,baustellen,buer,email,,,de,schwer", "unbekanntes Sprachprofil"),
        (",X,baustellen,buer,letter,,,de,standard", 'Kanal "letter" braucht die Spalte "postal_address"'),
    ],
)
def test_bad_rows_are_reported_by_line_and_not_imported(db_url, catalogue, row, message):
    report = run(db_url, catalogue, HEADER + GOOD + row + "\n")
    assert report.created == 3
    assert len(report.errors) == 1
    line, text = report.errors[0]
    assert line == 5  # header is line 1, three good rows, then the bad one
    assert message in text


def test_import_is_safe_to_rerun(db_url, catalogue):
    first = run(db_url, catalogue, HEADER + GOOD)
    before = counts(db_url)
    second = run(db_url, catalogue, HEADER + GOOD)
    assert (first.created, second.created, second.updated, second.unchanged) == (3, 0, 0, 3)
    assert counts(db_url) == before == (3, 2 + 1 + 1, 1 + 2 + 1)


def test_a_changed_row_replaces_that_subscribers_subscriptions(db_url, catalogue):
    run(db_url, catalogue, HEADER + GOOD)
    report = run(db_url, catalogue, HEADER + "anna@example.org,Anna,kita,erle,email,,,de,standard\n")
    assert report.updated == 1
    with session_scope(db_url) as s:
        record = change_record(s, report.changed_ids[0])
    assert record["subscriptions"] == [["kita", "erle"]]
    assert record["channels"] == ["email"]


def test_channel_order_is_the_preference_and_addresses_are_normalised(db_url, catalogue):
    report = run(
        db_url, catalogue, HEADER + "Bert@Example.org,Bert,verkehr,citywide,sms;email,+4915112345678,,de,standard\n"
    )
    with session_scope(db_url) as s:
        record = change_record(s, report.changed_ids[0])
        emails = s.execute(select(ChannelAddress.address).where(ChannelAddress.channel == "email")).scalars().all()
    assert record["channels"] == ["sms", "email"]
    assert emails == ["bert@example.org"]


def test_the_same_address_twice_in_one_file_is_an_error(db_url, catalogue):
    report = run(db_url, catalogue, HEADER + GOOD + "anna@example.org,Anna 2,kita,erle,email,,,de,standard\n")
    assert report.errors == [(5, "dieselbe Adresse steht schon in Zeile 2")]


def test_a_file_without_the_required_columns_is_refused(db_url, catalogue):
    with pytest.raises(ImportFormatError, match="channels"):
        run(db_url, catalogue, "email,topics,districts\nx@example.org,abfuhr,buer\n")
