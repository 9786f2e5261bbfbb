"""The public archive through the real ingest step and the real web app (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import re
from datetime import UTC, datetime

import feedparser
import icalendar
import pytest
from publishing_kit import COUNCIL, ROADWORKS, client, envelope, put
from sqlalchemy import select

import plainlang
from notify.events import InvalidEvent, parse_event
from notify.publishing import counters
from notify.publishing.store import CODE_ALPHABET, CODE_LENGTH
from subscribers.db import session_scope
from subscribers.published import MessageFeedback, PublishedMessage, ShortCode


@pytest.fixture
def web(runtime):
    c = client(runtime)
    c.rt = runtime
    return c


def only_message(rt) -> PublishedMessage:
    with session_scope(rt.db_url) as s:
        return s.execute(select(PublishedMessage)).scalars().one()


@pytest.mark.parametrize(("data", "problem"), [
    ({**COUNCIL, "starts_at": "2027-03-11T17:00:00"}, "Zeitzone"),
    ({**COUNCIL, "ends_at": "2027-03-11T16:00:00+01:00"}, "ends_at"),
    ({**COUNCIL, "starts_at": "nächsten Donnerstag"}, "starts_at"),
    ({**COUNCIL, "public": "vielleicht"}, "public"),
])  # fmt: skip
def test_event_dates_and_public_flag_are_checked(catalogue, data, problem):
    with pytest.raises(InvalidEvent) as err:
        parse_event(envelope(data), catalogue)
    assert problem in json.dumps(err.value.errors, ensure_ascii=False) + err.value.detail


def test_a_published_event_is_listed_with_its_dates_and_opens_by_short_link(web):
    assert put(web.rt, COUNCIL).outcome == "new"
    m = only_message(web.rt)
    page = web.get("/meldungen")
    assert page.status_code == 200 and "Der Rat tagt am Donnerstag" in page.text
    assert len(m.code) == CODE_LENGTH <= 8 and set(m.code) <= set(CODE_ALPHABET)
    assert not set("0o1li") & set(CODE_ALPHABET)
    hop = web.get(f"/m/{m.code.upper()}", follow_redirects=False)  # read from paper: case does not matter
    assert hop.status_code == 302 and hop.headers["location"] == f"/meldungen/{m.id}"
    message = web.get(hop.headers["location"])
    assert "11. März 2027 um 17:00 Uhr" in message.text  # city time, not UTC
    assert "War diese Nachricht verständlich?" in message.text
    assert web.get("/m/zzzzzzz").status_code == 404


@pytest.mark.parametrize(("query", "roadworks", "council"), [
    ("", True, True),
    ("?thema=verkehr", True, False),        # a Lebenslage finds the topics below it
    ("?thema=baustellen&gebiet=buer", True, False),
    ("?gebiet=nord", True, True),           # Buer lies in Nord; city-wide concerns everybody
    ("?gebiet=altstadt", False, True),
    ("?q=hauptstra%C3%9Fe", True, False),  # word search ignores case
    ("?q=hauptstrasse", True, False),       # and finds "ß" typed as "ss" (found nothing)
    ("?q=%C3%BCber", False, False),         # "über": not in either text
    ("?q=d%C3%BCrfen", False, True),        # "dürfen"
    ("?q=%C3%A4nderung", False, False),
])  # fmt: skip
def test_filters_by_topic_area_and_words(web, query, roadworks, council):
    put(web.rt, COUNCIL)
    put(web.rt, ROADWORKS, type_="de.gelsenkirchen.baustelle")
    for url in (f"/meldungen{query}", f"/meldungen/feed.json{query}"):
        text = web.get(url).text
        assert ("Hauptstraße in Buer" in text) is roadworks, url
        assert ("Der Rat tagt" in text) is council, url


def test_unknown_filter_gets_a_german_page_and_the_api_a_problem(web):
    page = web.get("/meldungen?thema=gibtsnicht")
    assert page.status_code == 400 and "text/html" in page.headers["content-type"] and "gibt es nicht" in page.text
    api = web.get("/v1/messages?area=gibtsnicht")
    assert api.status_code == 400 and api.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("data", "extra", "public"), [
    ({**ROADWORKS, "public": False}, {}, False),
    (ROADWORKS, {"source": "/stadtbote/digest"}, False),  # a resident's digest is personal
    (ROADWORKS, {}, True),
])  # fmt: skip
def test_only_public_events_reach_the_archive(web, data, extra, public):
    put(web.rt, data, **extra)
    assert ("Hauptstraße in Buer" in web.get("/meldungen").text) is public
    assert (len(web.get("/v1/messages").json()["data"]) == 1) is public


def test_correction_and_warning_are_shown_as_such_and_linked(web):
    put(web.rt, COUNCIL, event_id="rat-1")
    put(web.rt, {**COUNCIL, "title": "Korrektur: Der Rat tagt am Freitag", "urgency": "urgent"},
        event_id="rat-2", corrects="rat-1")  # fmt: skip
    with session_scope(web.rt.db_url) as s:
        first, second = s.execute(select(PublishedMessage).order_by(PublishedMessage.id)).scalars().all()
    assert (second.kind, second.corrects_id) == ("correction", first.id)
    page = web.get(f"/meldungen/{second.id}").text
    assert "Warnung" in page and "Korrektur" in page and f'href="/meldungen/{first.id}"' in page
    assert f'href="/meldungen/{second.id}"' in web.get(f"/meldungen/{first.id}").text  # the original points on
    assert web.get("/v1/messages").json()["data"][0]["corrects"] == first.id


def test_versions_are_switchable_and_marked(web):
    put(web.rt, COUNCIL)
    versions = [{"language": "de", "profile": "leicht", "title": "Der Rat trifft sich", "text": "Der Rat trifft sich.",
                 "reviewed": True},
                {"language": "en", "profile": "standard", "title": "The council meets", "text": "It meets.",
                 "origin": "machine"}]  # fmt: skip
    with session_scope(web.rt.db_url) as s:  # as the versions contract stores them (data.versions)
        m = s.execute(select(PublishedMessage)).scalars().one()
        m.versions = json.dumps(versions)
        s.add(ShortCode(code="k7q2x9a", message_id=m.id, version="de-leicht"))
    hop = web.get("/m/k7q2x9a", follow_redirects=False)
    assert hop.headers["location"] == f"/meldungen/{m.id}?fassung=de-leicht"
    leicht = web.get(hop.headers["location"]).text
    assert "Der Rat trifft sich" in leicht and "von einer Prüfgruppe geprüft" in leicht
    english = web.get(f"/meldungen/{m.id}?fassung=en-standard").text
    # the English version's page speaks English around it, as its feedback page does (its labels were German)
    assert '<html lang="en">' in english and "machine proposal, not yet checked by a person" in english
    assert "<dt>Published</dt>" in english and "Tell us</a>" in english and "Veröffentlicht" not in english
    question = web.get(f"/meldungen/{m.id}/verstaendlich?fassung=en-standard").text  # was all German
    assert '<html lang="en"' in question and "Was this message easy to understand?" in question
    assert "The council meets</a>" in question
    assert "Leichte Sprache" in english and "English" in english


def test_feeds_parse_and_answer_conditional_requests(web):
    put(web.rt, COUNCIL)
    atom = web.get("/meldungen/feed.atom?thema=politik")
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo and parsed.version == "atom10"
    assert [e.title for e in parsed.entries] == ["Der Rat tagt am Donnerstag"]
    feed = web.get("/meldungen/feed.json").json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["title"]
    assert all(item["id"] and (item.get("content_text") or item.get("content_html")) for item in feed["items"])
    cal = icalendar.Calendar.from_ical(web.get("/meldungen/kalender.ics").content)
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2027, 3, 11, 16, 0, tzinfo=UTC)
    for url in ("/meldungen/feed.atom?thema=politik", "/meldungen/feed.json", "/meldungen/kalender.ics"):
        first = web.get(url)
        assert web.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        assert web.get(url, headers={"If-Modified-Since": first.headers["last-modified"]}).status_code == 304
        assert web.get(url, headers={"If-None-Match": 'W/"alt"'}).status_code == 200


def test_a_new_message_changes_the_etag(web, monkeypatch):
    monkeypatch.setattr("notify.publishing.archive.STAMP_SECONDS", 0)
    put(web.rt, COUNCIL)
    before = web.get("/meldungen/feed.atom").headers["etag"]
    put(web.rt, ROADWORKS)
    after = web.get("/meldungen/feed.atom", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["etag"] != before


def test_open_data_pages_with_a_cursor_and_dumps_carry_the_licence(web):
    for n in range(5):
        put(web.rt, {**ROADWORKS, "title": f"Baustelle Nummer {n}"})
    first = web.get("/v1/messages", params={"limit": 2, "topic": "verkehr", "since": "2020-01-01T00:00:00+01:00"}).json()
    assert [d["title"] for d in first["data"]] == ["Baustelle Nummer 4", "Baustelle Nummer 3"]
    keys = {"id", "title", "text", "topics", "area", "urgency", "published_at", "starts_at", "ends_at",
            "valid_until", "url", "versions"}  # fmt: skip
    assert keys <= set(first["data"][0])
    second = web.get(first["links"]["next"].removeprefix("https://stadtbote.test")).json()
    assert [d["title"] for d in second["data"]] == ["Baustelle Nummer 2", "Baustelle Nummer 1"]
    assert web.get("/v1/messages", params={"since": "2100-01-01T00:00:00Z"}).json()["data"] == []
    dump = web.get("/v1/messages/dump.json").json()
    assert dump["licence"]["name"].startswith("Datenlizenz Deutschland") and len(dump["data"]) == 5
    rows = list(csv.DictReader(io.StringIO(web.get("/v1/messages/dump.csv").text)))
    assert len(rows) == 5 and rows[0]["topics"] == "baustellen"
    assert "/v1/messages" in web.get("/openapi.json").json()["paths"]


def personal_token(rt, public_id: str, message_id: int) -> str:
    return rt.signer.token("feedback", public_id, m=str(message_id), v="")


def votes(rt) -> list[MessageFeedback]:
    with session_scope(rt.db_url) as s:
        return list(s.execute(select(MessageFeedback)).scalars())


def test_a_get_never_votes_and_a_personal_link_votes_once(web):
    put(web.rt, COUNCIL)
    m = only_message(web.rt)
    token = personal_token(web.rt, "resident-1", m.id)
    question = web.get(f"/meldungen/{m.id}/verstaendlich?p={token}")  # what a link scanner does
    assert question.status_code == 200 and votes(web.rt) == []
    csrf = question.text.split('name="csrf_token" value="')[1].split('"')[0]
    for answer in ("ja", "nein"):
        done = web.post(f"/meldungen/{m.id}/verstaendlich",
                        data={"csrf_token": csrf, "p": token, "verstanden": answer, "kommentar": "Das Wort Sitzung."})  # fmt: skip
        assert done.status_code == 200 and "Danke" in done.text
    (vote,) = votes(web.rt)  # the second answer replaced the first
    assert vote.understood is False and vote.comment == "Das Wort Sitzung." and "resident-1" not in (vote.voter or "")


@pytest.mark.parametrize(("language", "question", "thanks", "no_choice", "too_long"), [
    ("tr", "Bu mesaj anlaşılır mıydı?", "Cevabınız için teşekkürler", "Lütfen „Evet“ veya „Hayır“ seçin.",
     "Metin çok uzun."),
    ("en", "Was this message easy to understand?", "Thank you for your answer", "Please choose “Yes” or “No”.",
     "The text is too long."),
    ("de", "War diese Nachricht verständlich?", "Danke für Ihre Antwort", "Bitte wählen Sie „Ja“ oder „Nein“.",
     "Der Text ist zu lang."),
])  # fmt: skip
def test_the_feedback_page_of_a_personal_link_is_in_the_residents_language(web, language, question, thanks,
                                                                             no_choice, too_long):  # fmt: skip
    """The e-mail asked "Bu mesaj anlaşılır mıydı?"; the page it opened asked again in German."""
    from subscribers.models import Subscriber

    put(web.rt, COUNCIL)
    m = only_message(web.rt)
    with session_scope(web.rt.db_url) as s:
        resident = Subscriber(language=language)
        s.add(resident)
        s.flush()
        public_id = resident.public_id
    token = personal_token(web.rt, public_id, m.id)
    page = web.get(f"/meldungen/{m.id}/verstaendlich?p={token}")
    assert f'<html lang="{language}"' in page.text and question in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    url = f"/meldungen/{m.id}/verstaendlich"
    assert no_choice in web.post(url, data={"csrf_token": csrf, "p": token}).text  # the errors too (were German)
    long = web.post(url, data={"csrf_token": csrf, "p": token, "verstanden": "ja", "kommentar": "x" * 501})
    assert long.status_code == 400 and too_long in long.text
    done = web.post(url, data={"csrf_token": csrf, "p": token, "verstanden": "ja"})
    assert thanks in done.text
    assert '<html lang="de"' in web.get(f"/meldungen/{m.id}/verstaendlich").text  # without a personal link


def test_feedback_api_takes_a_short_code_limits_comments_and_anonymous_votes(web, monkeypatch):
    monkeypatch.setattr(counters, "anonymous_feedback", counters.Window(3, 3600))
    monkeypatch.setattr("notify.publishing.feedback.anonymous_feedback", counters.anonymous_feedback)
    put(web.rt, COUNCIL)
    m = only_message(web.rt)
    assert web.post("/v1/feedback", json={"message": m.code, "understood": True}).status_code == 201
    too_long = web.post("/v1/feedback", json={"message": m.id, "understood": False, "comment": "x" * 501})
    assert too_long.status_code == 400 and too_long.headers["content-type"] == "application/problem+json"
    assert web.post("/v1/feedback", json={"message": "zzzzzzz", "understood": True}).status_code == 404
    assert [web.post("/v1/feedback", json={"message": m.id, "understood": False}).status_code
            for _ in range(3)] == [201, 201, 429]  # fmt: skip
    token = personal_token(web.rt, "resident-2", m.id)  # a personal link is not limited, but counts once
    assert web.post("/v1/feedback", json={"message": m.id, "understood": False, "token": token}).status_code == 201
    assert web.post("/v1/feedback", json={"message": m.id, "understood": True, "token": token}).status_code == 200
    wrong = personal_token(web.rt, "resident-2", m.id + 1)
    assert web.post("/v1/feedback", json={"message": m.id, "understood": True, "token": wrong}).status_code == 403
    assert len(votes(web.rt)) == 4


@pytest.mark.parametrize("path", ["/impressum", "/barrierefreiheit"])
def test_impressum_and_accessibility_statement_come_from_the_city_pack(web, path):
    page = web.get(path)
    assert page.status_code == 200 and "Ebertstraße 11" in page.text or "barrierefreiheit@" in page.text


def test_favicon(web):
    icon = web.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml" and b"<svg" in icon.content


@pytest.mark.parametrize(("language", "profile", "expected"), [
    ("de", "leicht", "de-leicht"),    # the resident's version has its own code
    ("de", "standard", ""),           # the message's standard code
    ("tr", "einfach", "de-leicht"),   # no Turkish text: the nearest German one they read (not Standard)
])  # fmt: skip
def test_each_resident_gets_the_short_link_of_the_version_they_read(web, language, profile, expected):
    from notify.events import parse_json_event
    from notify.pipeline import template_context
    from subscribers.store import Contact

    data = {**COUNCIL, "versions": [{"language": "de", "profile": "leicht", "title": "Der Rat trifft sich",
                                     "text": "Der Rat trifft sich.", "reviewed": False}]}  # fmt: skip
    raw = json.dumps(envelope(data, event_id="rat-v")).encode()
    put(web.rt, data, event_id="rat-v")
    m = only_message(web.rt)
    with session_scope(web.rt.db_url) as s:
        codes = {c.version: c.code for c in s.execute(select(ShortCode).where(ShortCode.message_id == m.id)).scalars()}
    event = parse_json_event(raw, web.rt.catalogue)
    ctx = template_context(web.rt, event, Contact(1, "pub-1", None, language, profile, {}), language)
    assert ctx["message_url"] == f"https://stadtbote.test/m/{codes[expected]}"
    token = ctx["feedback_url"].split("?p=")[1]
    payload = web.rt.signer.verify("feedback", token)
    assert payload["m"] == str(m.id) and payload["v"] == expected  # the answer counts for what they read
    assert "pub-1" not in ctx["message_url"]  # the short link carries nothing personal


def test_the_front_page_is_rendered_once_per_publication_and_never_stale(web, monkeypatch):
    from notify.publishing import pages

    put(web.rt, COUNCIL)
    renders = []
    real = pages._page
    monkeypatch.setattr(pages, "_page", lambda *a, **kw: renders.append(1) or real(*a, **kw))
    first, again = web.get("/meldungen"), web.get("/meldungen")
    assert first.text == again.text and len(renders) == 1 and "Der Rat tagt" in again.text
    assert "sb_csrf" in first.headers.get("set-cookie", "")  # each visitor still gets their cookie
    put(web.rt, ROADWORKS)  # a new publication: the next visitor sees it at once
    assert "Die Hauptstraße in Buer ist gesperrt" in web.get("/meldungen").text and len(renders) == 2


def test_a_version_page_shows_its_own_short_link_and_feedback_counts_for_the_version_read(web):
    """The English and Leichte-Sprache pages showed the standard short link; a resident's feedback
    link named their version, but the answer was stored without it."""
    put(web.rt, COUNCIL)
    versions = [{"language": "de", "profile": "leicht", "title": "Der Rat trifft sich", "text": "Der Rat trifft sich.",
                 "reviewed": True}]  # fmt: skip
    with session_scope(web.rt.db_url) as s:
        m = s.execute(select(PublishedMessage)).scalars().one()
        m.versions = json.dumps(versions)
        s.add(ShortCode(code="k7q2x9b", message_id=m.id, version="de-leicht"))
        standard_code = m.code
    leicht = web.get(f"/meldungen/{m.id}?fassung=de-leicht").text
    assert "/m/k7q2x9b" in leicht and f"/m/{standard_code}<" not in leicht
    assert f"/m/{standard_code}" in web.get(f"/meldungen/{m.id}").text
    token = web.rt.signer.token("feedback", "resident-9", m=str(m.id), v="de-leicht")
    page = web.get(f"/meldungen/{m.id}/verstaendlich?p={token}").text
    assert "Der Rat trifft sich</a>" in page  # the title they read
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    web.post(f"/meldungen/{m.id}/verstaendlich",
             data={"csrf_token": csrf, "p": token, "verstanden": "nein", "fassung": "de-leicht"})  # fmt: skip
    (vote,) = votes(web.rt)
    assert vote.version == "de-leicht"
    assert 'name="fassung" value="de-leicht"' in page


def test_a_lowercase_umlaut_at_the_start_finds_the_capitalised_word(web):
    """"ückendorf" typed on a phone found nothing; "Ückendorf" found the message."""
    put(web.rt, {**ROADWORKS, "title": "Ückendorf: Die Bochumer Straße ist gesperrt"}, type_="de.gelsenkirchen.baustelle")
    assert "Bochumer Straße ist gesperrt" in web.get("/meldungen?q=%C3%BCckendorf").text


def test_the_accessibility_statement_names_the_states_law_and_says_partly_while_gaps_are_listed(web):
    """It said "erfüllen die Regeln der BITV 2.0" (fully, and the federal law) above a list of gaps."""
    page = web.get("/barrierefreiheit").text
    assert "BITV NRW" in page and "BITV 2.0" not in page
    assert "zum Teil" in page and "Was noch nicht barrierefrei ist" in page
    assert page.count("axe") == 1  # said once
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1].split("</main>", 1)[0]))
    assert plainlang.check(text, "einfach").passed
