# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""The resident pages without JavaScript: forms, CSRF, validation messages, plain language."""

from __future__ import annotations

import html
import re

import pytest
from residents_testkit import (  # noqa: F401 - fixtures
    client,
    csrf,
    link_in,
    mails_to,
    rt,
    sink,
    sms_code,
    subscribe_and_confirm,
)
from sqlalchemy import select

import plainlang
from subscribers.db import session_scope
from subscribers.models import ChannelAddress, Subscriber


def form(client, path="/abonnieren", **fields) -> dict:
    data = {"csrf_token": csrf(client, path), "topics": ["baustellen"], "districts": ["buer"], "channels": ["email"],
            "email": "seite@beispiel.de", "consent": "yes", "language": "de", "profile": "standard", "frequency": "immediate"}  # fmt: skip
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def visible_text(page: str) -> str:
    """The prose a resident reads: headings, paragraphs, list items, labels, buttons."""
    page = re.sub(r"(?s)<(script|style|head)\b.*?</\1>", " ", page)
    blocks = re.findall(r"(?s)<(h1|h2|p|li|legend|button)\b([^>]*)>(.*?)</\1>", page)
    out = []
    for _, attributes, inner in blocks:
        if re.search(r'\blang="(?!de)', attributes):
            continue  # a line in another language (what a resident choosing Arabic gets, said in Arabic)
        text = html.unescape(re.sub(r"<[^>]+>", " ", inner))
        text = re.sub(r"https?://\S+|/\S+", "", text)
        text = " ".join(text.split())
        if text and len(text.split()) > 2:
            out.append(text if text[-1] in ".?!:" else text + ".")
    return "\n".join(out)


def test_start_page_points_to_subscribe(client):
    r = client.get("/")
    assert r.status_code == 200 and 'href="/abonnieren"' in r.text
    assert r.headers["content-security-policy"]


def test_subscribe_by_form_then_confirm_by_button(client, sink):
    r = client.post("/abonnieren", data=form(client, email="Form@Beispiel.de"))
    assert r.status_code == 200, r.text
    assert "Fast geschafft" in r.text
    confirm = link_in(mails_to(sink, "form@beispiel.de")[-1], "/bestaetigen").removeprefix("https://stadtbote.test")
    page = client.get(confirm)  # a mail scanner opening the link confirms nothing
    assert page.status_code == 200 and "<button" in page.text
    with session_scope(client.rt.db_url) as s:
        assert s.execute(select(Subscriber.status)).scalar_one() == "pending"
    done = client.post(confirm, data={"csrf_token": csrf(client, confirm)})
    assert done.status_code == 200 and "bestätigt" in done.text
    with session_scope(client.rt.db_url) as s:
        assert s.execute(select(Subscriber.status)).scalar_one() == "active"
    manage = re.search(r'href="https://stadtbote.test(/verwalten/[^"]+)"', done.text).group(1)
    assert client.get(manage).status_code == 200


def test_form_without_csrf_token_is_refused(client):
    data = form(client)
    data.pop("csrf_token")
    r = client.post("/abonnieren", data=data)
    assert r.status_code == 403 and "abgelaufen" in r.text
    r = client.post("/abonnieren", data={**data, "csrf_token": "0" * 64})
    assert r.status_code == 403


def test_form_errors_are_listed_and_linked_to_their_fields(client):
    """A whole sign-up with errors lands on the first step with an error, showing only its own."""
    r = client.post("/abonnieren", data=form(client, topics=None, email="kaputt", consent=None))
    assert r.status_code == 400
    assert 'class="error-summary"' in r.text and 'href="#topics"' in r.text
    assert 'value="kaputt"' in r.text  # what was typed stays (carried to the later steps)
    r = client.post("/abonnieren", data=form(client, email="kaputt", consent=None))
    assert r.status_code == 400 and 'href="#email"' in r.text
    assert 'aria-invalid="true"' in r.text
    assert "<title>Fehler:" in r.text
    r = client.post("/abonnieren", data=form(client, consent=None))
    assert r.status_code == 400 and 'href="#consent"' in r.text


def test_shared_postcode_offers_a_choice_of_stadtteile(client, sink):
    r = client.post("/abonnieren", data=form(client, districts=None, place="45881"))
    assert r.status_code == 400
    for name in ("Bismarck", "Schalke", "Schalke-Nord"):
        assert name in r.text
    assert 'name="district_choice"' in r.text
    r = client.post(
        "/abonnieren", data=form(client, districts=None, district_choice="schalke", email="wahl@beispiel.de")
    )
    assert r.status_code == 200, r.text


def test_sms_code_entered_on_the_page(client, rt):
    r = client.post("/abonnieren", data=form(client, email=None, channels=["sms"], phone="0170 5554443"))
    assert r.status_code == 200 and 'name="code"' in r.text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', r.text).group(1)
    bad = client.post("/bestaetigen", data={"csrf_token": token, "phone": "+491705554443", "code": "12"})
    assert bad.status_code == 400 and "stimmt nicht" in bad.text
    ok = client.post(
        "/bestaetigen", data={"csrf_token": token, "phone": "+491705554443", "code": sms_code(rt, "+491705554443")}
    )
    assert ok.status_code == 200 and "bestätigt" in ok.text


def test_letter_only_signup_gets_a_confirmation_letter_with_a_code(client, rt):
    r = client.post("/abonnieren", data=form(client, email=None, channels=["letter"], name="Erika Muster",
                                             postal_address="Erika Muster | Musterweg 1 | 45894 Gelsenkirchen"))  # fmt: skip
    assert r.status_code == 200, r.text
    letters = list((rt.settings.data_dir / "letters" / "confirmations").glob("*.pdf"))
    assert len(letters) == 1
    from pypdf import PdfReader

    text = PdfReader(letters[0]).pages[0].extract_text()
    code = re.search(r"Ihr Code ist: ([A-Z0-9]{8})", text).group(1)
    whole = " ".join(page.extract_text() for page in PdfReader(letters[0]).pages)
    assert "/verwalten/" not in whole.replace("\n", "")  # one code to type, no 60-character link
    ok = client.post("/bestaetigen", data={"csrf_token": csrf(client, "/bestaetigen"), "code": code.lower()})
    assert ok.status_code == 200, ok.text
    with session_scope(rt.db_url) as s:
        assert s.execute(select(ChannelAddress.confirmed_at)).scalar_one() is not None


def test_manage_page_changes_settings(client, sink):
    token = subscribe_and_confirm(client, sink, "verwalten@beispiel.de")
    url = f"/verwalten/{token}"
    page = client.get(url)
    assert 'value="verwalten@beispiel.de"' in page.text and "bestätigt" in page.text
    data = form(client, url, topics=["abfuhr", "kita"], districts=["nord"], frequency="daily", quiet_start="21:00",
                quiet_end="07:00", email="verwalten@beispiel.de", consent=None)  # fmt: skip
    r = client.post(url, data=data)
    assert r.status_code == 200 and "Gespeichert" in r.text
    state = client.get(f"/v1/subscriptions/{token}").json()
    assert state["topics"] == ["abfuhr", "kita"] and state["districts"] == ["nord"]
    assert state["frequency"] == "daily" and state["quiet_start"] == "21:00"
    bad = client.post(url, data={**data, "topics": [], "quiet_start": "abends"})
    assert bad.status_code == 400 and "mindestens ein Thema" in bad.text and "22:00" in bad.text


def test_manage_link_request_answers_the_same_for_unknown_addresses(client, sink):
    subscribe_and_confirm(client, sink, "link@beispiel.de")
    known = client.post("/verwalten", data={"csrf_token": csrf(client, "/verwalten"), "email": "link@beispiel.de"})
    unknown = client.post("/verwalten", data={"csrf_token": csrf(client, "/verwalten"), "email": "fremd@beispiel.de"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda t: re.sub(r'value="[0-9a-f]{64}"', "", t)  # noqa: E731
    assert strip(known.text) == strip(unknown.text)
    assert "schon" in mails_to(sink, "link@beispiel.de")[-1]["Subject"]
    assert mails_to(sink, "fremd@beispiel.de") == []


@pytest.mark.parametrize(
    "path", ["/verwalten/kaputt", "/abmelden/kaputt", "/loeschen/kaputt", "/bestaetigen/kaputt", "/export/kaputt"]
)
def test_broken_links_get_a_german_page(client, path):
    r = client.get(path)
    assert r.status_code == 404 and "Link" in r.text and r.headers["content-type"].startswith("text/html")


def test_expired_link_page_says_so(client, monkeypatch):
    from notify import links

    token = client.rt.signer.token("manage", "jemand")
    monkeypatch.setitem(links.MAX_AGE, "manage", -1)
    r = client.get(f"/verwalten/{token}")
    assert r.status_code == 410 and "zu alt" in r.text


def test_mail_failure_keeps_the_subscription_pending_and_says_so(tmp_path, db_url, monkeypatch):
    from fastapi.testclient import TestClient
    from residents_testkit import BASE, free_port, make_runtime

    from notify.web.app import create_app

    rt = make_runtime(tmp_path / "var", db_url, free_port())  # nobody listens there
    app = create_app(rt)

    async def record(ids):
        pass

    app.state.resident_publish = record
    with TestClient(app, base_url=BASE) as c:
        r = c.post("/abonnieren", data=form(c, email="offline@beispiel.de"))
        assert r.status_code == 200 and "nicht senden" in r.text
        api = c.post(
            "/v1/subscriptions", json={"email": "offline2@beispiel.de", "topics": ["abfuhr"], "districts": ["buer"]}
        )
        assert api.status_code == 202 and "warning" in api.json()
    with session_scope(db_url) as s:
        assert set(s.execute(select(Subscriber.status)).scalars()) == {"pending"}


def test_broker_down_does_not_break_confirmation(tmp_path, db_url, sink, monkeypatch):
    """No hook: the real publisher runs in the background against a port where no broker is."""
    from fastapi.testclient import TestClient
    from residents_testkit import BASE, make_runtime, token_of

    from notify.web.app import create_app

    rt = make_runtime(tmp_path / "var", db_url, sink.smtp_port)
    with TestClient(create_app(rt), base_url=BASE) as c:
        c.post("/v1/subscriptions", json={"email": "kafka@beispiel.de", "topics": ["abfuhr"], "districts": ["buer"]})
        token = token_of(link_in(mails_to(sink, "kafka@beispiel.de")[-1], "/bestaetigen"))
        r = c.post("/v1/subscriptions/confirm", json={"token": token})
        assert r.status_code == 200


PAGES = ["/", "/abonnieren", "/datenschutz", "/verwalten", "/bestaetigen"]


def test_page_texts_pass_the_plain_language_check(client, sink):
    token = subscribe_and_confirm(client, sink, "sprache@beispiel.de")
    pid = client.get(f"/v1/subscriptions/{token}").json()["links"]
    pages = [client.get(p).text for p in PAGES]
    pages += [client.get(u.removeprefix("https://stadtbote.test")).text for k, u in pid.items() if k != "export"]
    pages.append(client.post("/abonnieren", data=form(client, topics=None, email="x", consent=None)).text)
    pages.append(client.post("/abonnieren", data=form(client, email="sprache2@beispiel.de")).text)
    failures = []
    for page in pages:
        text = visible_text(page)
        report = plainlang.check(text, "einfach")
        officialese = [f.excerpt for f in report.findings if f.rule == "amtsdeutsch"]
        if not report.passed or officialese:
            failures.append((report.level, officialese, text[:300]))
    assert not failures, failures
