# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""A real browser at phone width: an English and a Turkish resident walk from their settings to
unsubscribing, every page in their language, axe-core clean, no sideways scrolling (issue 10, item 8).

Screenshots go to tests/artifacts/residents-<language>-NN-<page>.png.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from browser_kit import chromium_page, needs_chromium, screenshot, serious_violations
from residents_testkit import link_in, mails_to, sink, token_of  # noqa: F401 - fixtures
from sqlalchemy import select
from test_residents_browser import server  # noqa: F401 - fixture

from subscribers.db import session_scope
from subscribers.models import Subscriber

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}
WORDS = {
    "en": {"manage": "Your settings", "all": "Unsubscribe from all messages", "export": "Your data at the Stadtbote",
           "back": "Back to your settings", "ask": "Unsubscribe from all messages?", "yes": "Yes, unsubscribe",
           "done": "You are unsubscribed"},
    "tr": {"manage": "Ayarlarınız", "all": "Tüm mesajların aboneliğini iptal et", "export": "Stadtbote'deki verileriniz",
           "back": "Ayarlarınıza geri dön", "ask": "Tüm mesajların aboneliği iptal edilsin mi?",
           "yes": "Evet, aboneliği iptal et", "done": "Aboneliğiniz iptal edildi"},
}  # fmt: skip


def signed_up(server, sink, language: str) -> str:
    """A confirmed resident with e-mail and letter; returns the manage page's address."""
    address = f"browser-{language}-{uuid.uuid4().hex[:8]}@beispiel.de"
    body = {"email": address, "topics": ["baustellen", "abfuhr"], "districts": ["buer"], "channels": ["email", "letter"],
            "postal_address": "Ayşe Yılmaz | Horster Straße 12 | 45897 Gelsenkirchen", "name": "Ayşe Yılmaz",
            "language": language}  # fmt: skip
    with httpx.Client(base_url=server.base) as http:
        assert http.post("/v1/subscriptions", json=body).status_code == 202
        token = token_of(link_in(mails_to(sink, address)[-1], "/bestaetigen"))
        r = http.post("/v1/subscriptions/confirm", json={"token": token})
        assert r.status_code == 200, r.text
        return r.json()["manage_url"]


@pytest.mark.parametrize("language", ["en", "tr"])
def test_a_non_german_resident_walks_from_settings_to_unsubscribing_on_a_phone(server, sink, language):
    words = WORDS[language]
    manage_url = signed_up(server, sink, language)
    seen: list[str] = []

    with chromium_page(PHONE["width"], PHONE["height"]) as page:

        def check(name: str, heading: str) -> None:
            page.wait_for_load_state("load")
            screenshot(page, f"residents-{language}-{len(seen):02d}-{name}")
            assert page.locator("html").get_attribute("lang") == language, name
            assert heading in page.locator("h1").first.inner_text(), name
            assert not serious_violations(page), name
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name}: sideways"
            switch = page.locator("nav.language-switch a[hreflang='de']")
            assert switch.inner_text() == "Deutsch", name
            seen.append(name)

        page.goto(manage_url)
        check("manage", words["manage"])
        assert page.input_value("#street") == "Horster Straße 12" and page.input_value("#postcode") == "45897"
        export_link = page.locator("main a[href*='/export/']")
        with page.expect_navigation():
            export_link.click()
        check("export", words["export"])
        with page.expect_navigation():
            page.get_by_role("link", name=words["back"]).click()
        check("manage-again", words["manage"])
        with page.expect_navigation():
            page.get_by_role("link", name=words["all"], exact=True).click()
        check("unsubscribe", words["ask"])
        with page.expect_navigation():
            page.get_by_role("button", name=words["yes"]).click()
        check("unsubscribed", words["done"])
        with page.expect_navigation():
            page.locator("nav.language-switch a[hreflang='de']").click()
        assert page.locator("html").get_attribute("lang") == "de"
        screenshot(page, f"residents-{language}-{len(seen):02d}-switched-to-german")

    with session_scope(server.rt.db_url) as s:
        assert s.execute(select(Subscriber.status)).scalar_one() == "unsubscribed"
    assert len(seen) == 5
