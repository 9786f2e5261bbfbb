"""The delivery log: one row per resident × channel, pseudonymised, searchable by address, audited."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select
from staff_samples import add_deliveries, add_residents, auth, sign_in

from subscribers.db import session_scope
from subscribers.models import Delivery, DeliveryAttempt
from subscribers.team import StaffAudit


def three_residents(api) -> list[int]:
    ids = add_residents(api.rt.db_url, [
        ([("email", "frau.x@example.org")], [("baustellen", "buer")]),
        ([("sms", "+4915112345678")], [("baustellen", "buer")]),
        ([("email", "herr.y@example.org"), ("letter", "Herr Y\nStr. 1\n45894 Gelsenkirchen")], [("baustellen", "buer")]),
    ])  # fmt: skip
    dids = add_deliveries(api.rt.db_url, "ANN-7", [(ids[0], "email", "sent"), (ids[1], "sms", "failed"),
                                                   (ids[2], "email", "retry")])  # fmt: skip
    with session_scope(api.rt.db_url) as s:
        s.get(Delivery, dids[1]).last_error = "Gateway 30007: Nummer gesperrt"
        s.add(DeliveryAttempt(delivery_id=dids[1], attempt=1, outcome="failed", error="Gateway 30007: Nummer gesperrt"))
        s.add(DeliveryAttempt(delivery_id=dids[2], attempt=1, outcome="retry", error="451 mailbox busy"))
    return ids


def test_without_sign_in_the_log_answers_401(api):
    r = api.get("/v1/deliveries", params={"announcement": 7})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert api.get("/v1/deliveries", headers=auth(api.tokens["system"])).status_code == 403  # a city system's key


def test_the_log_of_an_announcement_lists_each_recipient_with_channel_status_and_attempts(api):
    three_residents(api)
    body = api.get("/v1/deliveries", params={"announcement": 7}, headers=auth(api.tokens["anna"])).json()
    rows = body["data"]
    assert sorted((r["channel"], r["status"]) for r in rows) == [("email", "retry"), ("email", "sent"), ("sms", "failed")]
    assert all(r["recipient"].startswith("P-") and "address" not in r for r in rows)  # an author sees no addresses
    failed = next(r for r in rows if r["status"] == "failed")
    assert failed["error"] == "Gateway 30007: Nummer gesperrt" and failed["attempts"][0]["outcome"] == "failed"
    assert all(set(r) >= {"recipient", "channel", "version", "status", "attempts", "updated_at"} for r in rows)
    assert body["links"] == {}
    assert api.get("/v1/deliveries", params={"announcement": 8}, headers=auth(api.tokens["anna"])).json()["data"] == []


@pytest.mark.parametrize(("q", "channel"), [
    ("frau.x@example.org", "email"), ("Frau.X@Example.org", "email"), ("0151 12345678", "sms"), ("+4915112345678", "sms"),
])  # fmt: skip
def test_a_search_by_address_or_phone_finds_exactly_that_persons_row(api, q, channel):
    three_residents(api)
    rows = api.get("/v1/deliveries", params={"announcement": 7, "q": q}, headers=auth(api.tokens["bernd"])).json()["data"]
    assert len(rows) == 1 and rows[0]["channel"] == channel
    assert rows[0]["address"] in ("frau.x@example.org", "+4915112345678")  # an approver may see it
    with session_scope(api.rt.db_url) as s:
        audit = s.execute(select(StaffAudit).where(StaffAudit.action == "address-lookup")).scalars().all()
    assert [(a.actor, a.subject) for a in audit] == [("bernd@stadt.example", q)]
    assert json.loads(audit[0].detail)["rows"] == 1


def test_a_search_for_an_unknown_address_finds_nothing_and_is_audited_too(api):
    three_residents(api)
    h = auth(api.tokens["anna"])
    assert api.get("/v1/deliveries", params={"q": "niemand@example.org"}, headers=h).json()["data"] == []
    with session_scope(api.rt.db_url) as s:
        assert s.execute(select(StaffAudit.subject).where(StaffAudit.action == "address-lookup")).scalars().all() == [
            "niemand@example.org"]  # fmt: skip


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "delivered"}, [("email", "sent")]), ({"status": "failed"}, [("sms", "failed")]),
    ({"status": "pending"}, [("email", "retry")]), ({"channel": "sms"}, [("sms", "failed")]),
    ({"channel": "email", "status": "retry"}, [("email", "retry")]), ({"channel": "letter"}, []),
])  # fmt: skip
def test_filters_by_status_and_channel(api, params, expected):
    three_residents(api)
    rows = api.get("/v1/deliveries", params={"announcement": 7, **params}, headers=auth(api.tokens["anna"])).json()["data"]
    assert sorted((r["channel"], r["status"]) for r in rows) == expected


@pytest.mark.parametrize("params", [{"status": "verloren"}, {"channel": "fax"}])
def test_unknown_filters_are_a_clear_error(api, params):
    r = api.get("/v1/deliveries", params=params, headers=auth(api.tokens["anna"]))
    assert r.status_code == 400 and "gibt es nicht" in r.json()["detail"]


def test_pages_follow_links_next_until_every_row_was_seen(api):
    three_residents(api)
    h, seen, url = auth(api.tokens["anna"]), [], "/v1/deliveries?announcement=7&limit=2"
    while url:
        body = api.get(url, headers=h).json()
        seen += [r["id"] for r in body["data"]]
        url = body["links"].get("next")
    assert len(seen) == len(set(seen)) == 3


def test_the_page_searches_and_exports_csv(api):
    three_residents(api)
    sign_in(api, "anna")
    r = api.get("/staff/zustellungen", params={"mitteilung": "7", "suche": "herr.y@example.org"})
    assert r.status_code == 200 and r.text.count('data-channel="email"') == 1 and "451 mailbox busy" in r.text
    assert "1 Eintrag für diese Suche." in r.text  # not "1 Einträge"
    assert "herr.y@example.org</td>" not in r.text  # an author sees the pseudonym only
    exported = api.get("/staff/zustellungen.csv", params={"mitteilung": "7"})
    table = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert exported.headers["content-type"].startswith("text/csv") and len(table) == 3
    assert "address" not in table[0] and {t["channel"] for t in table} == {"email", "sms"}


@pytest.mark.parametrize(("answer", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+49 gesperrt", "'+49 gesperrt"),
    ("550 mailbox unknown", "550 mailbox unknown"),
])  # fmt: skip
def test_the_csv_keeps_provider_answers_as_text_in_spreadsheets(api, answer, cell):
    ids = three_residents(api)
    with session_scope(api.rt.db_url) as s:
        for d in s.query(Delivery).filter(Delivery.subscriber_id == ids[1]):
            d.last_error = answer
    sign_in(api, "anna")
    table = list(csv.DictReader(io.StringIO(api.get("/staff/zustellungen.csv").text.lstrip("\ufeff"))))
    assert [t["error"] for t in table if t["channel"] == "sms"] == [cell]


def two_letters_and_an_email(api, event_id: str, first: str, second: str, email: str) -> list[str]:
    """Two letter readers and one e-mail reader, with the ledger states given (in that order)."""
    ids = add_residents(api.rt.db_url, [
        ([("letter", "Frau A\nStr. 1\n45894 Gelsenkirchen")], [("baustellen", "buer")]),
        ([("letter", "Herr B\nStr. 2\n45894 Gelsenkirchen")], [("baustellen", "buer")]),
        ([("email", "frau.c@example.org")], [("baustellen", "buer")]),
    ])  # fmt: skip
    return add_deliveries(api.rt.db_url, event_id, [(ids[0], "letter", first), (ids[1], "letter", second),
                                                    (ids[2], "email", email)])  # fmt: skip


def test_letters_handed_to_print_and_too_late_letters_are_found_by_their_group_and_named_in_german(api):
    """A letter day turns "sent" into "handed_over"; a warning that a letter cannot reach in time is
    "too_late". Both were missing from the log's groups and names: the filter "Zugestellt" lost
    every printed letter and the row said "handed_over"."""
    dids = two_letters_and_an_email(api, "ANN-8", "handed_over", "too_late", "waiting")
    with session_scope(api.rt.db_url) as s:
        from subscribers.models import utcnow

        s.get(Delivery, dids[0]).sent_at = utcnow()  # put into the day's batch, then handed to print
    h = auth(api.tokens["anna"])

    def found(status: str) -> list[str]:
        rows = api.get("/v1/deliveries", params={"announcement": 8, "status": status}, headers=h).json()["data"]
        return [r["status"] for r in rows]

    assert found("delivered") == ["handed_over"] and found("skipped") == ["too_late"] and found("pending") == ["waiting"]
    rows = api.get("/v1/deliveries", params={"announcement": 8}, headers=h).json()["data"]
    names = {r["status"]: r["status_name"] for r in rows}
    assert names == {"handed_over": "an den Druckdienst übergeben", "too_late": "nicht rechtzeitig erreichbar",
                     "waiting": "wartet auf die Fassung in der eigenen Sprache oder Sprachstufe"}  # fmt: skip
    sign_in(api, "anna")
    page = api.get("/staff/zustellungen", params={"mitteilung": "8", "kanal": "letter"}).text
    assert "an den Druckdienst übergeben" in page and "in den Druck-Stapel des Tages gelegt" in page
    assert "wartet auf Druck" not in page  # the try's words no longer contradict the row's state


def test_the_version_table_and_the_channel_health_count_a_letter_once_it_is_handed_to_print(api):
    """Found trying the staff pages: "Je Fassung" counted a letter still waiting for print as
    "Zugestellt" and a printed one as "Sonst"; the dashboards agree now (one table of groups)."""
    from notify.audience_stats import channel_health
    from notify.web.staff.version_stats import by_version

    dids = two_letters_and_an_email(api, "ANN-9", "handed_over", "sent", "sent")
    with session_scope(api.rt.db_url) as s:
        event_pk = s.get(Delivery, dids[0]).event_pk
        [row] = by_version(s, event_pk)
        health = channel_health(s)
    assert (row["sent"], row["other"]) == (2, 1)  # the printed letter and the e-mail; one letter waits for print
    assert health["letter"]["delivered"] == 1 and health["email"]["delivered"] == 1


def test_the_event_filter_finds_an_event_by_the_start_of_its_id(api):
    """The log asked for "Ereignis (Nr. oder Kennung)" but found only the exact id; a city system's
    runs add a suffix ("WARN-2027-STARKREGEN-07-<run>"), so staff typing what they know found nothing."""
    three_residents(api)
    h = auth(api.tokens["anna"])
    assert len(api.get("/v1/deliveries", params={"event": "ANN-7"}, headers=h).json()["data"]) == 3
    assert len(api.get("/v1/deliveries", params={"event": "ANN"}, headers=h).json()["data"]) == 3
    assert api.get("/v1/deliveries", params={"event": "ANN-8"}, headers=h).json()["data"] == []
    assert api.get("/v1/deliveries", params={"event": "%"}, headers=h).json()["data"] == []  # no wildcard
