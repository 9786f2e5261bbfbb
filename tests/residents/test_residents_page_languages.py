# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""The pages a resident reaches through their own links are in their language (issue 10, item 8).

English and Turkish residents see manage, unsubscribe, export, erase and confirm pages in their
language (``<html lang>`` too) with a switch to German; one catalogue per language holds the words.
"""

from __future__ import annotations

import html
import re
import uuid

import pytest
import yaml
from page_text_sources import german_sentences, same_shape
from residents_testkit import client, csrf, link_in, mails_to, rt, sink, subscribe_and_confirm, subscription  # noqa: F401

from notify.web import page_texts

BASE = "https://stadtbote.test"
WORDS = {  # a sentence of each page, per language
    "en": {"manage": "Your settings", "unsubscribe": "Unsubscribe from all messages?",
           "unsubscribed": "You are unsubscribed", "export": "Your data at the Stadtbote",
           "delete": "Delete all data?", "deleted": "Your data is deleted", "confirm": "Confirm sign-up",
           "confirmed": "Thank you! Your sign-up is confirmed.", "switch": "Deutsch"},
    "tr": {"manage": "Ayarlarınız", "unsubscribe": "Tüm mesajların aboneliği iptal edilsin mi?",
           "unsubscribed": "Aboneliğiniz iptal edildi", "export": "Stadtbote'deki verileriniz",
           "delete": "Tüm veriler silinsin mi?", "deleted": "Verileriniz silindi", "confirm": "Kaydı onayla",
           "confirmed": "Teşekkürler! Kaydınız onaylandı.", "switch": "Deutsch"},
}  # fmt: skip
GERMAN = ["Ihre Einstellungen", "Von allen Nachrichten abmelden", "Ihre Daten beim Stadtboten", "Alle Daten löschen?",
          "Anmeldung bestätigen", "Zum Inhalt springen", "Bitte prüfen Sie", "Änderungen speichern"]  # fmt: skip


def path(url: str) -> str:
    return url.removeprefix(BASE)


def lang_of(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def heading(page: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r"(?s)<h1[^>]*>(.*?)</h1>", page).group(1)).strip()


def resident(client, sink, language: str) -> dict[str, str]:
    address = f"{language}-{uuid.uuid4().hex[:8]}@beispiel.de"  # the sink is shared by both databases' runs
    token = subscribe_and_confirm(client, sink, address, language=language)
    return {k: path(v) for k, v in client.get(f"/v1/subscriptions/{token}").json()["links"].items()}


@pytest.mark.parametrize("language", ["en", "tr"])
def test_each_catalogue_holds_every_sentence_of_the_pages_and_nothing_else(language):
    keys = {same_shape(k) for k in page_texts.catalogue(language)}
    sentences = german_sentences()
    assert not sentences - keys, f"not translated into {language}: {sorted(sentences - keys)}"
    assert not keys - sentences, f"no longer on any page: {sorted(keys - sentences)}"
    for german, translated in yaml.safe_load((page_texts.TEXTS_DIR / f"{language}.yaml").read_text()).items():
        assert set(re.findall(r"\{(\w+)\}", german)) == set(re.findall(r"\{(\w+)\}", translated)), german


@pytest.mark.parametrize("language", ["en", "tr"])
def test_a_residents_own_pages_are_in_their_language_from_manage_to_erase(client, sink, language):
    words = WORDS[language]
    links = resident(client, sink, language)
    seen = {}
    seen["manage"] = client.get(links["manage"]).text
    seen["unsubscribe"] = client.get(links["unsubscribe"]).text
    seen["export"] = client.get(links["export"]).text
    seen["delete"] = client.get(links["delete"]).text
    seen["unsubscribed"] = client.post(links["unsubscribe"], data={"csrf_token": csrf(client, links["manage"])}).text
    seen["deleted"] = client.post(links["delete"], data={"csrf_token": csrf(client, links["manage"])}).text
    for name, page in seen.items():
        assert lang_of(page) == language, name
        assert words[name] in html.unescape(page), (name, heading(page))
        assert not [g for g in GERMAN if g in page], (name, [g for g in GERMAN if g in page])
        if name != "deleted":
            assert re.search(r'<a href="[^"]*\?sprache=de" lang="de" hreflang="de">Deutsch</a>', page), name


@pytest.mark.parametrize("language", ["en", "tr"])
def test_the_confirmation_pages_follow_the_language_of_the_sign_up(client, sink, language):
    address = f"bestaetigen-{language}-{uuid.uuid4().hex[:8]}@beispiel.de"
    assert client.post("/v1/subscriptions", json=subscription(email=address, language=language)).status_code == 202
    confirm = path(link_in(mails_to(sink, address)[-1], "/bestaetigen"))
    page = client.get(confirm).text
    assert lang_of(page) == language and WORDS[language]["confirm"] in html.unescape(page)
    done = client.post(confirm, data={"csrf_token": csrf(client, confirm)}).text
    assert lang_of(done) == language and WORDS[language]["confirmed"] in html.unescape(done)


def test_the_switch_shows_german_and_is_remembered(client, sink):
    links = resident(client, sink, "en")
    german = client.get(links["manage"] + "?sprache=de")
    assert lang_of(german.text) == "de" and "Ihre Einstellungen" in german.text
    assert re.search(r'href="[^"]*\?sprache=en" lang="en" hreflang="en">English</a>', german.text)
    later = client.get(links["export"]).text  # the choice holds on the next page of this browser
    assert lang_of(later) == "de" and "Ihre Daten beim Stadtboten" in later
    back = client.get(links["manage"] + "?sprache=en").text
    assert lang_of(back) == "en" and "Your settings" in back


def test_a_language_we_do_not_ship_gets_german_pages(client, sink):
    links = resident(client, sink, "pl")
    page = client.get(links["manage"]).text
    assert lang_of(page) == "de" and "Ihre Einstellungen" in page


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "A postcode has 5 digits."), ("tr", "Bir posta kodu 5 rakamdan oluşur."), ("de", "Eine Postleitzahl hat 5 Ziffern.")],
)  # fmt: skip
def test_errors_on_the_manage_page_are_in_the_residents_language(client, sink, language, message):
    links = resident(client, sink, language)
    data = {"csrf_token": csrf(client, links["manage"]), "topics": ["baustellen"], "districts": ["buer"],
            "channels": ["email", "letter"], "email": "x@beispiel.de", "street": "Weg 1", "postcode": "4589",
            "town": "Gelsenkirchen", "language": language, "profile": "standard", "frequency": "immediate"}  # fmt: skip
    r = client.post(links["manage"], data=data)
    assert r.status_code == 400 and lang_of(r.text) == language
    assert re.search(rf'<a href="#postcode">{re.escape(message)}', r.text), r.text


def test_a_saved_change_is_said_in_the_residents_language(client, sink):
    links = resident(client, sink, "en")
    data = {"csrf_token": csrf(client, links["manage"]), "topics": ["baustellen", "abfuhr"], "districts": ["buer"],
            "channels": ["email"], "language": "en", "profile": "standard", "frequency": "daily"}  # fmt: skip
    r = client.post(links["manage"], data=data)
    assert r.status_code == 200 and "Saved. From now on:" in r.text
    assert "New topics: Abfuhrtermine." in r.text and "Messages now come once a day." in r.text


@pytest.mark.parametrize("page_path", ["/bestaetigen", "/verwalten"])
def test_pages_without_a_known_resident_can_be_asked_for_in_english(client, page_path):
    page = client.get(page_path + "?sprache=en").text
    assert lang_of(page) == "en" and not [g for g in GERMAN if g in page]
    assert lang_of(client.get(page_path).text) == "en"  # remembered
    assert lang_of(client.get(page_path + "?sprache=de").text) == "de"


def test_a_broken_link_says_so_in_the_chosen_language(client):
    page = client.get("/verwalten/kaputt?sprache=tr")
    assert page.status_code == 404 and lang_of(page.text) == "tr" and "Bu bağlantı çalışmıyor" in page.text


@pytest.mark.parametrize(("before", "after", "said"), [("en", "tr", "Dil artık: Türkçe."),
                                                       ("de", "en", "Language now: English.")])  # fmt: skip
def test_changing_the_language_setting_changes_the_pages_at_once(client, sink, before, after, said):
    links = resident(client, sink, before)
    client.get(links["manage"] + "?sprache=de")  # this browser chose German before
    data = {"csrf_token": csrf(client, links["manage"]), "topics": ["baustellen"], "districts": ["buer"],
            "channels": ["email"], "language": after, "profile": "standard", "frequency": "immediate"}  # fmt: skip
    r = client.post(links["manage"], data=data)
    assert r.status_code == 200 and lang_of(r.text) == after and said in r.text
    assert lang_of(client.get(links["manage"]).text) == after  # the earlier choice is forgotten
