"""Letters as a resident and an officer see them (issue 10, items 5, 6, 7):

- everything for one resident on one day is one letter, each message under its own heading;
- a message that ends before a letter could arrive is not printed ("nicht rechtzeitig erreichbar"),
  and staff see how many;
- the ledger says "wartet auf Druck" until the batch is closed, then "an den Druckdienst übergeben".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select
from test_dispatch import dispatch, resident, rt, send_event, sink  # noqa: F401 - fixtures

from notify.channels.letter_sender import close_batch
from notify.letter_timing import add_delivery_days, earliest_arrival
from notify.web.staff.stats import delivery_stats
from subscribers.announcements import Announcement
from subscribers.db import session_scope
from subscribers.delivery_status import status_label
from subscribers.models import Delivery, EventRecord

ERIKA = [("letter", "Erika Musterfrau\nHorster Straße 12\n45897 Gelsenkirchen")]
KARL = [("letter", "Karl Neumann\nCranger Straße 3\n45891 Gelsenkirchen")]
SUBS = {("baustellen", "buer"), ("abfuhr", "citywide"), ("unwetter", "citywide")}


def ledger(rt):  # noqa: F811
    with session_scope(rt.db_url) as s:
        return sorted((d.subscriber_id, d.status) for d in s.execute(select(Delivery)).scalars())


def pdf_pages_text(path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


TITLES = ["Sperrung der Horster Straße", "Müllabfuhr nach Ostern einen Tag später", "Neue Haltestelle am Markt",
          "Sperrung der Cranger Straße"]  # fmt: skip


async def test_one_letter_a_day_per_resident_each_message_with_its_heading(rt, sink):  # noqa: F811
    erika = resident(rt, ERIKA, subs=SUBS, name="Erika Musterfrau", profile="leicht")
    karl = resident(rt, KARL, subs=SUBS, name="Karl Neumann")
    for number, title in enumerate(TITLES):
        event = {"topics": ["abfuhr"], "area": "citywide"} if "Müll" in title else {}
        outcomes = await dispatch(rt, send_event(rt, event_id=f"e{number}", title=title, **event))
        assert {o.status for o in outcomes} == {"sent"}, [o.error for o in outcomes]
    assert ledger(rt) == sorted([(erika, "sent")] * 4 + [(karl, "sent")] * 4)
    assert status_label("letter", "sent") == "wartet auf Druck"

    files = close_batch(rt.settings.data_dir, force=True, db_url=rt.db_url)
    assert [len(e.deliveries) for e in files.entries] == [4, 4]  # two letters, not eight
    manifest = json.loads(files.manifest_json.read_text())
    assert manifest["totals"]["letters"] == 2
    assert manifest["totals"]["postage"] == pytest.approx(sum(e.postage_price for e in files.entries))
    pages = pdf_pages_text(files.pdf)
    letters = ["".join(pages[e.first_page - 1 : e.last_page]) for e in files.entries]  # in the order they were added
    [erika_text] = [text for text in letters if "Erika Musterfrau" in text]
    assert erika_text.count("Erika Musterfrau") >= 1 and "Karl" not in erika_text
    assert "4 Nachrichten" in erika_text
    positions = [erika_text.find(t) for t in TITLES]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)  # each heading, in order
    assert erika_text.count("Hallo Erika Musterfrau") == 1  # one greeting, one letter
    # The batch is closed: the ledger now says the print service has them.
    assert ledger(rt) == sorted([(erika, "handed_over")] * 4 + [(karl, "handed_over")] * 4)
    assert status_label("letter", "handed_over") == "an den Druckdienst übergeben"


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("data", "printed"),
    [
        ({"urgency": "urgent", "title": "Warnung: Starkregen heute Abend"}, False),  # no valid_until: 12 h
        ({"valid_until": in_days(0.3)}, False),  # "heute Abend"
        ({"valid_until": in_days(10)}, True),
        ({}, True),  # no end: a letter is always in time
    ],
)
async def test_a_letter_that_cannot_arrive_in_time_is_not_printed(rt, sink, data, printed):  # noqa: F811
    resident(rt, ERIKA, subs=SUBS)
    title = data.pop("title", "Sperrung der Horster Straße")
    [outcome] = await dispatch(rt, send_event(rt, title=title, urgent=data.pop("urgency", "") == "urgent", **data))
    assert (outcome.status == "sent") is printed, outcome.error
    if not printed:
        assert outcome.status == "too_late" and "nicht rechtzeitig erreichbar" in outcome.error
        assert not list((rt.settings.data_dir / "letters").rglob("pending/*.json"))
        assert status_label("letter", "too_late") == "nicht rechtzeitig erreichbar"


async def test_staff_see_how_many_letters_were_too_late(rt, sink):  # noqa: F811
    for n in range(3):
        resident(rt, [("letter", f"Person {n}\nHorster Straße {n}\n45897 Gelsenkirchen")], subs=SUBS)
    resident(rt, [("email", "anna@example.org")], subs=SUBS)
    with session_scope(rt.db_url) as s:
        ann = Announcement(title="Wasser abgestellt", text="Heute", created_by="a", updated_by="a", event_id="ANN-1")
        s.add(ann)
    pending = send_event(rt, title="Wasser heute abgestellt", valid_until=in_days(0.2))
    with session_scope(rt.db_url) as s:  # make it the announcement's event
        s.execute(EventRecord.__table__.update().values(source="/stadtbote/announcements", event_id="ANN-1"))
    await dispatch(rt, pending)
    with session_scope(rt.db_url) as s:
        stats = delivery_stats(s, s.get(Announcement, 1))
    assert stats.too_late == 3
    known = {(k["channel"], k["label"]): k["count"] for k in stats.known}
    assert known == {("letter", "nicht rechtzeitig erreichbar"): 3, ("email", "vom Mailserver angenommen"): 1}


@pytest.mark.parametrize(
    ("today", "days", "expected"),
    [("2027-03-12", 1, "2027-03-13"),  # Friday → Saturday
     ("2027-03-13", 1, "2027-03-15"),  # Saturday → Monday (no post on Sunday)
     ("2027-03-12", 3, "2027-03-16")],
)  # fmt: skip
def test_delivery_days_skip_sundays(today, days, expected):
    from datetime import date

    assert add_delivery_days(date.fromisoformat(today), days) == date.fromisoformat(expected)


def test_earliest_arrival_is_noon_of_the_next_delivery_day(rt):  # noqa: F811
    friday_evening = datetime(2027, 3, 12, 20, 0, tzinfo=UTC)
    assert earliest_arrival(friday_evening, rt.settings).isoformat() == "2027-03-13T12:00:00+01:00"
