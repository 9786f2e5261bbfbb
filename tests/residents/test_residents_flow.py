# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""Subscribing one question per page, without JavaScript (issue 10, "The subscribe flow on a phone")."""

from __future__ import annotations

import re
import uuid

from residents_testkit import client, csrf, link_in, mails_to, rt, sink  # noqa: F401 - fixtures
from sqlalchemy import select

from subscribers.db import session_scope
from subscribers.models import ChannelAddress


def hidden_fields(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)


def post(client, path: str, pairs: list[tuple[str, str]]):
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return client.post(path, data=data)


def submit(client, page: str, path: str = "/abonnieren/weiter", **fields):
    """Post a step's form as a browser would: its hidden fields plus what the person answered."""
    pairs: list[tuple[str, str]] = [(k, v) for k, v in hidden_fields(page) if k not in fields]
    for name, value in fields.items():
        pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return post(client, path, pairs)


def walk_to_check_page(client, **details):
    r = client.get("/abonnieren")
    assert "Schritt 1 von 5" in r.text and 'name="email"' not in r.text  # one question per page
    r = submit(client, r.text, topics=["baustellen", "abfuhr"])
    assert r.status_code == 200 and "Schritt 2 von 5" in r.text and "Für welchen Ort?" in r.text
    r = submit(client, r.text, place="45894")
    assert "Schritt 3 von 5" in r.text and "22:00" in r.text  # the time format is shown up front
    r = submit(client, r.text, channels=["email", "letter"], frequency="immediate", quiet_start="", quiet_end="")
    assert "Schritt 4 von 5" in r.text and 'name="street"' in r.text and 'name="postcode"' in r.text
    assert "|" not in re.sub(r"<[^>]+>", "", r.text)  # no more "Zeile | Zeile"
    fields = {"email": "flow@beispiel.de", "name": "Erika Muster", "street": "Musterweg 1", "postcode": "45894",
              "town": "Gelsenkirchen", "language": "de", "profile": "standard", **details}  # fmt: skip
    r = submit(client, r.text, **fields)
    assert r.status_code == 200 and "Prüfen Sie Ihre Angaben" in r.text, r.text
    return r


def test_one_question_per_page_then_check_your_answers_then_done(client, sink):
    r = walk_to_check_page(client)
    for shown in ("Baustellen", "Abfuhr", "Buer (45894)", "E-Mail, Brief", "flow@beispiel.de",
                  "Erika Muster, Musterweg 1, 45894 Gelsenkirchen"):  # fmt: skip
        assert shown in r.text, shown
    assert r.text.count('name="zeigen"') >= 5  # a change link per answer
    r = submit(client, r.text, path="/abonnieren", consent="yes")
    assert r.status_code == 200 and "Fast geschafft" in r.text
    sent_to = re.search(r'(?s)<ul class="sent-to">(.*?)</ul>', r.text).group(1)
    assert "flow@beispiel.de" in sent_to  # where we wrote to
    assert "Musterweg" not in sent_to  # no letter went out: the e-mail confirms the postal address too
    assert "Noch einmal senden" in r.text
    mail = mails_to(sink, "flow@beispiel.de")[-1]
    assert "Themen: Baustellen und Straßensperrungen, Abfuhrtermine" in mail.get_body(preferencelist=("plain",)).get_content()
    with session_scope(client.rt.db_url) as s:
        letter = s.execute(select(ChannelAddress.address).where(ChannelAddress.channel == "letter")).scalar_one()
    assert letter == "Erika Muster\nMusterweg 1\n45894 Gelsenkirchen"


def test_change_link_returns_to_the_check_page_and_consent_is_kept(client):
    r = walk_to_check_page(client)
    r = submit(client, r.text, consent="yes", zeigen="ort")  # "Ändern" next to the place, consent ticked
    assert "Für welchen Ort?" in r.text and "Speichern und zurück zur Übersicht" in r.text
    r = submit(client, r.text, place="45884")
    assert "Prüfen Sie Ihre Angaben" in r.text and "Rotthausen (45884)" in r.text
    assert "Postleitzahl 45884" not in r.text  # the Stadtteil's name, not just the number
    assert re.search(r'id="consent" name="consent" value="yes" checked', r.text)


def test_errors_on_a_step_keep_the_answers_and_the_consent(client):
    r = walk_to_check_page(client)
    data = dict(hidden_fields(r.text))
    bad = [(k, v) for k, v in hidden_fields(r.text) if k != "email"] + [("email", "kaputt"), ("consent", "yes")]
    r = post(client, "/abonnieren", bad)
    assert r.status_code == 400 and "Schritt 4 von 5" in r.text and 'href="#email"' in r.text
    assert ("consent", "yes") in hidden_fields(r.text)
    r = submit(client, r.text, email="gut@beispiel.de", name=data["name"], street=data["street"],
               postcode=data["postcode"], town=data["town"], language="de", profile="standard", pruefen="1")  # fmt: skip
    assert "Prüfen Sie Ihre Angaben" in r.text
    assert re.search(r'id="consent" name="consent" value="yes" checked', r.text)


def test_a_shared_postcode_asks_which_stadtteil_on_the_place_step(client):
    r = client.get("/abonnieren")
    r = submit(client, r.text, topics=["baustellen"])
    r = submit(client, r.text, place="45881")
    assert r.status_code == 400 and 'name="district_choice"' in r.text and "Schalke" in r.text
    r = submit(client, r.text, district_choice="schalke")
    assert "Schritt 3 von 5" in r.text


def test_send_again_sends_a_second_working_link(client, sink):
    address = f"nochmal-{uuid.uuid4().hex[:8]}@beispiel.de"  # the sink is shared by both databases' runs
    r = walk_to_check_page(client, email=address)
    r = submit(client, r.text, path="/abonnieren", consent="yes")
    action = re.search(r'action="(/abonnieren/erneut/[^"]+)"', r.text).group(1)
    r = client.post(action, data={"csrf_token": csrf(client, "/abonnieren")})
    assert r.status_code == 200 and "noch einmal geschickt" in r.text
    mails = mails_to(sink, address)
    assert len(mails) == 2
    token = link_in(mails[-1], "/bestaetigen").rsplit("/", 1)[-1]
    assert client.post("/v1/subscriptions/confirm", json={"token": token}).status_code == 200


def test_a_confirmation_link_used_twice_says_already_confirmed(client, sink):
    r = walk_to_check_page(client, email="zweimal@beispiel.de")
    submit(client, r.text, path="/abonnieren", consent="yes")
    path = link_in(mails_to(sink, "zweimal@beispiel.de")[-1], "/bestaetigen").removeprefix("https://stadtbote.test")
    first = client.post(path, data={"csrf_token": csrf(client, path)})
    assert "Danke! Ihre Anmeldung ist bestätigt." in first.text
    second = client.post(path, data={"csrf_token": csrf(client, path)})
    assert second.status_code == 200 and "schon bestätigt" in second.text


def test_manage_page_lists_each_subscription_with_its_own_unsubscribe_and_says_what_changed(client, sink):
    from residents_testkit import subscribe_and_confirm

    token = subscribe_and_confirm(client, sink, "verwalten@beispiel.de", topics=["baustellen", "abfuhr"])
    page = client.get(f"/verwalten/{token}").text
    rows = re.findall(r"<li><strong>([^<]+)</strong> \(([^)]+)\) – <a href=\"([^\"]+)\">abbestellen", page)
    assert {r[0] for r in rows} == {"Baustellen und Straßensperrungen", "Abfuhrtermine"}
    link = next(r[2] for r in rows if r[0] == "Abfuhrtermine").removeprefix("https://stadtbote.test")
    r = client.post(link, data={"csrf_token": csrf(client, link)})
    assert r.status_code == 200
    assert client.get(f"/v1/subscriptions/{token}").json()["topics"] == ["baustellen"]
    r = client.post(f"/verwalten/{token}", data={"csrf_token": csrf(client, f"/verwalten/{token}"),
                                                 "topics": ["baustellen", "sperrmuell"], "districts": ["buer"],
                                                 "channels": ["email"], "frequency": "daily", "language": "de",
                                                 "profile": "standard"})  # fmt: skip
    assert r.status_code == 200 and "Gespeichert" in r.text
    assert "Neue Themen: Sperrmüll." in r.text and "Post kommt jetzt einmal am Tag." in r.text


def test_every_step_and_the_error_pages_pass_the_plain_language_check(client):
    from test_residents_pages import visible_text

    import plainlang

    r = client.get("/abonnieren")
    pages = [r.text]
    for fields in ({"topics": ["verkehr"]}, {"place": "45881"}, {"district_choice": "schalke"},
                   {"channels": ["email", "letter"]},
                   {"email": "a@beispiel.de", "name": "A B", "street": "Weg 1", "postcode": "45881"}):  # fmt: skip
        r = submit(client, r.text, **fields)
        pages.append(r.text)
    pages += [client.get("/gibtsnicht").text, client.put("/abonnieren").text]
    failures = []
    for page in pages:
        report = plainlang.check(visible_text(page), "einfach")
        officialese = [f.excerpt for f in report.findings if f.rule == "amtsdeutsch"]
        if not report.passed or officialese:
            failures.append((report.level, officialese, visible_text(page)[:200]))
    assert not failures, failures


def test_the_language_choice_tells_arabic_ukrainian_polish_and_russian_readers_in_their_own_language(client):
    """The sign-up said only in German what a resident choosing Arabic gets; it cannot tell them."""
    r = client.get("/abonnieren")
    for fields in ({"topics": ["verkehr"]}, {"place": "45881"}, {"district_choice": "schalke"}, {"channels": ["email"]}):
        r = submit(client, r.text, **fields)
    page = r.text
    assert '<li lang="ar" dir="rtl">العربية: رسائل المدينة بالعربية' in page
    assert '<li lang="uk" dir="ltr">Українська: Повідомлення міста' in page and '<li lang="pl" dir="ltr">Polski:' in page
    assert 'aria-describedby="language-hint language-notes"' in page
