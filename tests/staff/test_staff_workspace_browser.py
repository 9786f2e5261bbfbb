"""The staff workspace in a real browser: invitation → first sign-in with TOTP, test send to
oneself, delivery log search, template reuse, the audience dashboard — typed on the keyboard
where a person would, axe-core on every new page, and every page at phone width (320 and 390 px)
without sideways scrolling. Screenshots go to tests/artifacts/.

uvicorn serves the app in a thread (temporary SQLite); e-mail goes to the real SMTP sink.
"""

from __future__ import annotations

import re
import uuid

import pyotp
import pytest
from browser_kit import chromium_page, needs_chromium, screenshot, serious_violations, serve
from staff_samples import PASSWORD, add_deliveries, add_people, add_residents, mails_to
from test_staff_browser import sign_in

from notify.devstack import free_port

pytestmark = needs_chromium


@pytest.fixture
def server(tmp_path, sink, monkeypatch):
    from notify.pipeline import Runtime
    from notify.settings import Settings
    from notify.web.app import create_app
    from subscribers.db import init_db

    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    port = free_port()
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'ws.db'}", secret_key="browser",
                        base_url=f"http://127.0.0.1:{port}", kafka_url="kafka://127.0.0.1:1",
                        smtp_url=f"smtp://127.0.0.1:{sink.smtp_port}")  # fmt: skip
    rt = Runtime(settings)
    init_db(rt.db_url)
    add_people(rt.db_url)
    ids = add_residents(rt.db_url, [([("email", f"person{i}@example.org")], [("baustellen", "buer")]) for i in range(3)])
    add_deliveries(rt.db_url, "ANN-999", [(ids[0], "email", "sent"), (ids[1], "email", "failed"), (ids[2], "email", "held")])
    with serve(create_app(rt), port) as srv:
        srv.base, srv.rt, srv.sink = f"http://127.0.0.1:{port}", rt, sink
        yield srv


class Pages:
    """axe on each page, a screenshot, and the URLs to look at again at phone width."""

    def __init__(self, page):
        self.page, self.seen = page, []

    def check(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        screenshot(self.page, f"workspace-{len(self.seen) + 1:02d}-{name}")
        bad = serious_violations(self.page)
        assert not bad, f"{name}: {bad}"
        self.seen.append((name, self.page.url))


WIDER_THAN_SCREEN = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
  document.documentElement.clientWidth + 1).slice(-5).map(e => e.tagName + '.' + e.className + ' ' +
  Math.round(e.getBoundingClientRect().right))"""


def type_into(page, selector: str, text: str) -> None:
    page.focus(selector)
    page.keyboard.type(text)


def submit(page, selector: str) -> None:
    """Focus a button and press Enter, as a keyboard user does."""
    page.focus(selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_workspace_in_the_browser(server):
    with chromium_page(1100, 900) as page:
        ui = Pages(page)
        # -- invitation → first sign-in with TOTP ---------------------------------------------
        sign_in(page, server.base, "admin")
        page.goto(server.base + "/staff/team")
        ui.check("team")
        email = f"nina.{uuid.uuid4().hex[:6]}@stadt.example"
        type_into(page, "#inv-email", email)
        type_into(page, "#inv-name", "Nina Neu")
        page.select_option("#inv-role", "approver")
        submit(page, "form[action='/staff/team/einladen'] button")
        assert f"Die Einladung an {email} ist unterwegs." in page.inner_text("main")
        (mail,) = mails_to(server.sink, email)
        link = re.search(r"(http://127\.0\.0\.1:\d+/staff/einladung/\S+)", mail.get_body(("plain",)).get_content()).group(1)
        submit(page, ".sign-out button")
        page.context.clear_cookies()

        page.goto(link)
        ui.check("einladung")
        type_into(page, "#password", PASSWORD)
        type_into(page, "#password_again", PASSWORD)
        submit(page, "main form button")
        assert "/staff/anmelden/code" in page.url
        ui.check("zweiter-schritt-einrichten")
        secret = page.inner_text("#totp-schluessel").replace(" ", "")
        type_into(page, "#code", pyotp.TOTP(secret).now())
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("#ersatz-codes li").count() == 10
        ui.check("ersatz-codes")
        submit(page, "a:has-text('Weiter')")
        assert "Nina Neu (Freigabe)" in page.inner_text(".sign-out")
        page.goto(server.base + "/staff/profil")
        ui.check("mein-zugang")
        submit(page, ".sign-out button")
        page.context.clear_cookies()

        # -- test send -----------------------------------------------------------------------
        page.goto(server.base + "/staff/anmelden")
        ui.check("anmelden")
        sign_in(page, server.base, "anna")
        page.goto(server.base + "/staff/mitteilungen/neu")
        title = f"Sperrung Hochstraße {uuid.uuid4().hex[:4]}"
        type_into(page, "#f-title", title)
        type_into(page, "#f-text", "Die Hochstraße ist ab Montag gesperrt. Bitte fahren Sie über die Umleitung.")
        page.check("#t-baustellen")
        with page.expect_navigation():
            page.click("#editor .buttons button[value='speichern'] >> nth=0")
        ann_id = int(page.url.split("/staff/mitteilungen/")[1].split("?")[0])
        page.select_option("#test-fassung", "de/leicht")
        submit(page, "#test-senden")
        assert "an anna@stadt.example: gesendet" in page.inner_text("#test-ergebnis")
        ui.check("test-gesendet")
        got = [m for m in mails_to(server.sink, "anna@stadt.example") if title in str(m["Subject"])]
        assert [str(m["Subject"]) for m in got] == [f"Test: {title}"]
        assert not any(mails_to(server.sink, f"person{i}@example.org") for i in range(3))

        # -- template reuse ------------------------------------------------------------------
        page.goto(f"{server.base}/staff/mitteilungen/{ann_id}")
        page.fill("#vorlage-name", "")
        type_into(page, "#vorlage-name", "Sperrung mit Umleitung")
        submit(page, "form[action$='/vorlage'] button")
        assert "Die Vorlage ist gespeichert." in page.inner_text("main")
        ui.check("vorlagen")
        submit(page, "li.card:has-text('Sperrung mit Umleitung') form[action$='/entwurf'] button")
        new_id = int(page.url.split("/staff/mitteilungen/")[1].split("?")[0])
        assert new_id != ann_id and page.input_value("#f-title") == title

        # -- delivery log search -------------------------------------------------------------
        page.goto(server.base + "/staff/zustellungen?mitteilung=999")
        assert page.locator("#zustellungen tbody tr").count() == 3
        ui.check("zustellungen")
        type_into(page, "#z-suche", "person1@example.org")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("#zustellungen tbody tr").count() == 1
        assert page.locator("#zustellungen tbody tr").get_attribute("data-status") == "failed"
        ui.check("zustellungen-suche")
        page.goto(server.base + "/staff/ereignisse")
        ui.check("ereignisse")
        page.goto(server.base + "/staff/auswertung/publikum")
        ui.check("publikum")
        page.goto(server.base + "/staff/passwort-vergessen")
        ui.check("passwort-vergessen")

        # -- phone widths: nothing wider than the screen (as the admin, who sees every page) ----
        page.goto(server.base + "/staff")
        submit(page, ".sign-out button")
        sign_in(page, server.base, "admin", server.rt.db_url)
        for width in (320, 390):
            page.set_viewport_size({"width": width, "height": 800})
            for name, url in ui.seen:
                if "/einladung/" in url or "/anmelden/code" in url or url.endswith("/test"):
                    continue  # one-time pages and answers to a POST; they use the same layout
                page.goto(url)
                wide = page.evaluate("document.documentElement.scrollWidth")
                screenshot(page, f"workspace-{width}-{name}")
                culprits = page.evaluate(WIDER_THAN_SCREEN) if wide > width else []
                assert wide <= width, f"{name} at {width} px is {wide} px wide: {culprits}"
