"""Feeds and message pages are built from what was rendered before (entries per message, pages
per publication), and a reader never sees anything stale or from another archive because of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import feedparser
import icalendar
import pytest
from publishing_kit import COUNCIL, ROADWORKS, client, put
from sqlalchemy import select

from notify.pipeline import Runtime
from notify.publishing import archive, counters, pages
from notify.settings import Settings
from subscribers.db import init_db, session_scope
from subscribers.published import MessageViews, PublishedMessage, ShortCode

WARNING = {"title": "Sturm am Abend", "text": "Heute Abend kommt ein Sturm. Bleiben Sie im Haus.",
           "topics": ["baustellen"], "area": ["buer"], "urgency": "urgent",
           "starts_at": "2027-03-12T18:00:00+01:00"}  # fmt: skip


@pytest.fixture
def web(runtime, monkeypatch):
    monkeypatch.setattr(archive, "STAMP_SECONDS", 0)  # other processes publish too: read the stamp each time
    c = client(runtime)
    c.rt = runtime
    return c


def feeds(web, query: str = "") -> tuple[list[str], list[str], list[str]]:
    atom = feedparser.parse(web.get(f"/meldungen/feed.atom{query}").content)
    assert not atom.bozo and atom.version == "atom10"
    items = web.get(f"/meldungen/feed.json{query}").json()["items"]
    cal = icalendar.Calendar.from_ical(web.get(f"/meldungen/kalender.ics{query}").content)
    return ([e.title for e in atom.entries], [i["title"] for i in items],
            [str(e["summary"]) for e in cal.walk("VEVENT")])  # fmt: skip


def test_after_a_publication_every_feed_has_the_new_message_first_and_the_earlier_ones_unchanged(web):
    put(web.rt, COUNCIL)
    put(web.rt, ROADWORKS)
    before = {url: web.get(url) for url in ("/meldungen/feed.atom", "/meldungen/feed.json?gebiet=buer")}
    assert feeds(web) == (["Die Hauptstraße in Buer ist gesperrt", "Der Rat tagt am Donnerstag"],
                          ["Die Hauptstraße in Buer ist gesperrt", "Der Rat tagt am Donnerstag"],
                          ["Der Rat tagt am Donnerstag"])  # fmt: skip

    put(web.rt, WARNING, type_="de.gelsenkirchen.unwetter")  # the worker publishes, the web process reads
    atom, items, events = feeds(web)
    assert atom == ["Warnung: Sturm am Abend", "Die Hauptstraße in Buer ist gesperrt", "Der Rat tagt am Donnerstag"]
    assert items == ["Sturm am Abend", "Die Hauptstraße in Buer ist gesperrt", "Der Rat tagt am Donnerstag"]
    assert events == ["Sturm am Abend", "Der Rat tagt am Donnerstag"]
    for url, old in before.items():
        new = web.get(url, headers={"If-None-Match": old.headers["etag"]})
        assert new.status_code == 200 and new.headers["etag"] != old.headers["etag"]
    # a filtered feed holds the same entries as the whole one, and only those that concern it
    assert feeds(web, "?gebiet=altstadt") == (["Der Rat tagt am Donnerstag"],) * 2 + (["Der Rat tagt am Donnerstag"],)
    whole = web.get("/meldungen/feed.json").json()["items"]
    buer = web.get("/meldungen/feed.json?thema=baustellen&gebiet=buer").json()["items"]
    assert buer == [i for i in whole if i["title"] != "Der Rat tagt am Donnerstag"]
    assert buer[0]["_stadtbote"]["urgency"] == "urgent" and buer[0]["_stadtbote"]["starts_at"] == "2027-03-12T17:00:00Z"


def test_two_archives_in_one_process_never_see_each_others_entries_or_pages(web, tmp_path):
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    init_db(other_url)
    other_rt = Runtime(Settings(data_dir=tmp_path / "other", database_url=other_url, secret_key="test-secret",
                                base_url="https://stadtbote.test"))  # fmt: skip
    other = client(other_rt)
    put(web.rt, COUNCIL)
    put(other_rt, ROADWORKS)  # message 1 of the other archive
    assert feeds(web)[0] == ["Der Rat tagt am Donnerstag"]
    assert feeds(other)[0] == ["Die Hauptstraße in Buer ist gesperrt"]
    assert "Der Rat tagt" in web.get("/meldungen/1").text
    assert "Hauptstraße" in other.get("/meldungen/1").text and "Der Rat tagt" not in other.get("/meldungen/1").text


def test_a_message_page_is_rendered_once_per_publication_counts_every_view_and_shows_a_correction_at_once(
    web, monkeypatch
):
    put(web.rt, COUNCIL, event_id="rat-1")
    with session_scope(web.rt.db_url) as s:
        m = s.execute(select(PublishedMessage)).scalars().one()
        m.versions = json.dumps([{"language": "de", "profile": "leicht", "title": "Der Rat trifft sich",
                                  "text": "Der Rat trifft sich.", "reviewed": True}])  # fmt: skip
        s.add(ShortCode(code="k7q2x9a", message_id=m.id, version="de-leicht"))
    renders = []
    real = pages._page
    monkeypatch.setattr(pages, "_page", lambda *a, **kw: renders.append(a[1]) or real(*a, **kw))
    first = web.get(f"/meldungen/{m.id}")
    assert [web.get(f"/meldungen/{m.id}").text for _ in range(2)] == [first.text] * 2 and len(renders) == 1
    assert "sb_csrf" in first.headers.get("set-cookie", "") and "Cache-Control" in first.headers
    leicht = web.get(web.get("/m/k7q2x9a", follow_redirects=False).headers["location"]).text
    assert "Der Rat trifft sich" in leicht and "Der Rat trifft sich" not in first.text  # each version its own page
    assert web.get(f"/meldungen/{m.id}?fassung=gibtsnicht").text == first.text  # an unknown version: the standard
    counters.views.flush(web.rt.db_url)
    with session_scope(web.rt.db_url) as s:
        counted = {(v.version, v.views) for v in s.execute(select(MessageViews)).scalars()}
    assert counted == {("", 4), ("de-leicht", 1)}  # kept or rendered, every visit counts

    put(web.rt, {**COUNCIL, "title": "Korrektur: Der Rat tagt am Freitag"}, event_id="rat-2", corrects="rat-1")
    page = web.get(f"/meldungen/{m.id}").text
    assert "Die Stadt hat diese Meldung geändert." in page and "Der Rat tagt am Freitag" in page
    assert web.get("/meldungen/99").status_code == 404 and web.get("/meldungen/99").status_code == 404


def test_calendar_keeps_its_start_times_when_built_from_kept_events(web):
    put(web.rt, COUNCIL)
    web.get("/meldungen/kalender.ics")
    put(web.rt, WARNING)
    cal = icalendar.Calendar.from_ical(web.get("/meldungen/kalender.ics").content)
    starts = {str(e["summary"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}
    assert starts == {"Sturm am Abend": datetime(2027, 3, 12, 17, 0, tzinfo=UTC),
                      "Der Rat tagt am Donnerstag": datetime(2027, 3, 11, 16, 0, tzinfo=UTC)}  # fmt: skip
