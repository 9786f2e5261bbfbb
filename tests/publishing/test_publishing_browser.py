"""The public archive in a real browser at phone width, without JavaScript: axe-core finds nothing
serious or critical on any new page; screenshots in tests/artifacts/; the page texts are plain."""

from __future__ import annotations

import html
import re
import socket

import pytest
from browser_kit import CHROMIUM, CHROMIUM_ARGS, needs_chromium, screenshot, serious_violations, serve
from publishing_kit import COUNCIL, ROADWORKS, client, put
from sqlalchemy import select

import plainlang
from notify.pipeline import Runtime
from notify.settings import Settings
from subscribers.db import init_db, session_scope
from subscribers.published import PublishedMessage

PASSWORD = "ein-sehr-langes-passwort"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from notify.web.app import create_app
    from subscribers.staff import add_staff

    tmp = tmp_path_factory.mktemp("archive")
    port = free_port()
    rt = Runtime(Settings(data_dir=tmp / "var", database_url=f"sqlite:///{tmp / 'a.db'}", secret_key="browser",
                          base_url=f"http://127.0.0.1:{port}"))  # fmt: skip
    init_db(rt.db_url)
    put(rt, COUNCIL, event_id="rat-1")
    put(rt, ROADWORKS, type_="de.gelsenkirchen.baustelle")
    put(rt, {**COUNCIL, "title": "Korrektur: Der Rat tagt am Freitag", "urgency": "urgent",
             "text": "Der Rat tagt nicht am Donnerstag. Er tagt am Freitag."}, event_id="rat-2", corrects="rat-1")  # fmt: skip
    with session_scope(rt.db_url) as s:
        first = s.execute(select(PublishedMessage).order_by(PublishedMessage.id)).scalars().first()
        first.versions = '[{"language": "de", "profile": "leicht", "title": "Der Rat trifft sich", "text": "Der Rat trifft sich am Donnerstag.", "reviewed": true}]'
        add_staff(s, "presse@stadt.example", "author", password=PASSWORD)
    with serve(create_app(rt), port):
        yield f"http://127.0.0.1:{port}", rt


@pytest.fixture
def phones():
    """Two phones in one browser: one with JavaScript (axe needs it; the pages carry no script of
    their own), one without."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = [browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844},
                                     java_script_enabled=js).new_page() for js in (True, False)]  # fmt: skip
        try:
            yield pages
        finally:
            browser.close()


@pytest.fixture
def phone(phones):
    return phones[0]


PAGES = [("/meldungen", "archiv"), ("/meldungen?thema=politik&gebiet=buer", "archiv-gefiltert"),
         ("/meldungen/1", "meldung"), ("/meldungen/1?fassung=de-leicht", "meldung-leicht"),
         ("/meldungen/3", "meldung-warnung-korrektur"), ("/meldungen/1/verstaendlich", "rueckmeldung"),
         ("/impressum", "impressum"), ("/barrierefreiheit", "barrierefreiheit"), ("/meldungen/999", "nicht-gefunden"),
         ("/m/zzzzzzz", "kurzlink-falsch"), ("/einstellungen", "einstellungen-mit-code")]  # fmt: skip


@needs_chromium[0]
@needs_chromium[1]
@pytest.mark.parametrize(("path", "name"), PAGES)
def test_new_pages_have_no_serious_accessibility_problems_at_phone_width(site, phone, path, name):
    base, _ = site
    phone.goto(base + path)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1, "no sideways scrolling on a phone"
    screenshot(phone, f"publishing-{name}")
    assert serious_violations(phone) == []


@needs_chromium[0]
@needs_chromium[1]
def test_answering_by_keyboard_without_javascript_and_the_staff_view(site, phones):
    base, _ = site
    phone, plain = phones
    plain.goto(base + "/meldungen/1")
    plain.get_by_role("link", name="Sagen Sie es uns").click()
    plain.get_by_label("Ja").check()
    plain.get_by_role("button", name="Antwort senden").click()
    plain.get_by_role("heading", name="Danke für Ihre Antwort").wait_for()
    phone.goto(base + "/meldungen/1")
    phone.get_by_role("link", name="Sagen Sie es uns").click()
    phone.get_by_label("Nein").check()
    phone.get_by_label("Was war schwer?").fill("Was ist eine Ratssitzung?")
    phone.get_by_role("button", name="Antwort senden").focus()
    phone.keyboard.press("Enter")
    phone.get_by_role("heading", name="Danke für Ihre Antwort").wait_for()  # the answer page has loaded
    phone.goto(base + "/staff/anmelden?weiter=/staff/verstaendlichkeit")
    phone.get_by_label("E-Mail-Adresse").fill("presse@stadt.example")
    phone.get_by_label("Passwort").fill(PASSWORD)
    phone.get_by_role("button", name="Anmelden").click()
    phone.wait_for_url("**/staff/verstaendlichkeit")
    assert "Was ist eine Ratssitzung?" in phone.content()
    screenshot(phone, "publishing-staff-verstaendlich")
    assert serious_violations(phone) == []


def visible_text(page: str) -> str:
    page = re.sub(r"(?s)<(script|style|head|table)\b.*?</\1>", " ", page)
    out = []
    for _, inner in re.findall(r"(?s)<(h1|h2|p|li|legend|button|label)\b[^>]*>(.*?)</\1>", page):
        text = " ".join(re.sub(r"https?://\S+|/\S+", "", html.unescape(re.sub(r"<[^>]+>", " ", inner))).split())
        if text and len(text.split()) > 2:
            out.append(text if text[-1] in ".?!:" else text + ".")
    return "\n".join(out)


def test_page_texts_pass_the_plain_language_check(site):
    _, rt = site
    web = client(rt)
    failures, texts = [], []
    for path, _ in PAGES:
        text = visible_text(web.get(path).text)
        # the messages themselves are the city's texts, checked at ingest: only our own words count here
        # … and the version marks are the wording the issue prescribes ("von einer Prüfgruppe geprüft")
        text = "\n".join(line for line in text.splitlines()
                         if not ("Rat" in line or "Hauptstraße" in line or "Prüfgruppe" in line))  # fmt: skip
        report = plainlang.check(text, "einfach")
        officialese = [f.excerpt for f in report.findings if f.rule == "amtsdeutsch"]
        if officialese or report.level not in ("leicht", "einfach", "standard"):
            failures.append((path, report.level, officialese, [f.message for f in report.findings][:5]))
        texts.append(text)
    # A message page leaves only a few lines of our own words once the city's text is taken out:
    # each page must not be hard, and all our words together must pass as Einfache Sprache.
    together = plainlang.check("\n".join(texts), "einfach")
    assert together.passed, (together.level, [f.message for f in together.findings][:8])
    assert not failures, failures
