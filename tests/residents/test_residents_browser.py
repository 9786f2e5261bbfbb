# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""A real browser, keyboard only: subscribe → confirm → manage → unsubscribe, with axe-core on every
page (no serious or critical violations) and screenshots in tests/artifacts/.

The web app runs with uvicorn in a thread on a free port, on a temporary SQLite database, and sends
its confirmation mail over real SMTP to the embedded sink. No Kafka broker: publishing subscription
changes fails in the background and must not disturb the resident.
"""

from __future__ import annotations

import pytest
from browser_kit import chromium_page, needs_chromium, screenshot, serious_violations, serve
from residents_testkit import free_port, link_in, mails_to, make_runtime, sink  # noqa: F401 - fixtures
from sqlalchemy import select

from subscribers.db import init_db, session_scope
from subscribers.models import Subscriber

pytestmark = needs_chromium


@pytest.fixture
def server(tmp_path, sink, monkeypatch):
    from notify.web.app import create_app

    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'browser.db'}"
    rt = make_runtime(tmp_path / "var", db_url, sink.smtp_port, base_url=f"http://127.0.0.1:{port}")
    init_db(db_url)
    with serve(create_app(rt), port) as srv:
        srv.base = f"http://127.0.0.1:{port}"
        srv.rt = rt
        yield srv


@pytest.fixture
def page():
    with chromium_page(1000, 900) as p:
        yield p


class Checker:
    def __init__(self, page):
        self.page, self.seen = page, []

    def check(self, name: str) -> None:
        """axe-core on the current page; screenshot; no serious or critical violation allowed."""
        self.page.wait_for_load_state("load")
        screenshot(self.page, f"residents-{len(self.seen):02d}-{name}")
        bad = serious_violations(self.page)
        assert not bad, f"{name}: {bad}"
        assert self.page.locator("html").get_attribute("lang") == "de"
        self.seen.append(name)

    def tab_to(self, selector: str, limit: int = 300) -> None:
        """Press Tab until ``selector`` has the focus (the way a keyboard user gets there)."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def activate(self, selector: str, key: str = "Enter") -> None:
        self.tab_to(selector)
        with self.page.expect_navigation() if key == "Enter" else _nothing():
            self.page.keyboard.press(key)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_keyboard_only_subscribe_confirm_manage_unsubscribe(server, page, sink):
    ui = Checker(page)
    page.goto(server.base + "/")
    ui.check("start")
    # the skip link is the first stop
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Zum Inhalt springen"
    ui.activate("main a.button")
    assert page.url.endswith("/abonnieren")
    page.set_viewport_size({"width": 390, "height": 844})  # the flow on a phone
    ui.check("subscribe-1-topics")

    ui.activate("p.buttons button:not(.secondary)")  # nothing chosen: errors
    assert page.locator(".error-summary").is_visible()
    assert page.evaluate("document.activeElement.id") == "fehler"  # the summary has the focus
    ui.check("subscribe-1-errors")
    ui.tab_to(".error-summary a")
    page.keyboard.press("Enter")  # the error link moves the focus to the field
    assert page.evaluate("document.activeElement.closest('#topics') !== null && document.activeElement.type") == "checkbox"

    ui.activate("#topic-verkehr", "Space")
    ui.activate("p.buttons button:not(.secondary)")
    ui.check("subscribe-2-place")
    ui.tab_to("#place")
    page.keyboard.type("45894")
    with page.expect_navigation():  # Enter in the field sends the form
        page.keyboard.press("Enter")
    assert "Schritt 3 von 5" in page.content()
    ui.check("subscribe-3-channels")
    ui.activate("#channel-email", "Space")
    ui.activate("p.buttons button:not(.secondary)")
    ui.check("subscribe-4-details")
    ui.tab_to("#email")
    page.keyboard.type("browser@beispiel.de")
    ui.activate("p.buttons button:not(.secondary)")
    assert "Prüfen Sie Ihre Angaben" in page.content()
    ui.check("subscribe-5-check-answers")
    ui.activate("p.buttons button:not(.secondary)")  # without consent: error, focus on the summary
    assert page.evaluate("document.activeElement.id") == "fehler"
    ui.tab_to("#consent")
    page.keyboard.press("Space")
    assert page.is_checked("#consent")
    ui.activate("p.buttons button:not(.secondary)")
    assert "Fast geschafft" in page.content() and "browser@beispiel.de" in page.content()
    ui.check("check-your-mail")
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
    page.set_viewport_size({"width": 1000, "height": 900})

    link = link_in(mails_to(sink, "browser@beispiel.de")[-1], "/bestaetigen")
    page.goto(link)
    ui.check("confirm")
    ui.activate("main form button")
    assert "bestätigt" in page.content()
    ui.check("confirmed")

    ui.activate("main a.button")
    assert "/verwalten/" in page.url
    ui.check("manage")
    ui.tab_to("#frequency-immediate")
    page.keyboard.press("ArrowDown")  # radio group: arrows choose
    assert page.is_checked("#frequency-daily")
    ui.activate("main form button[type=submit]")
    assert "Gespeichert" in page.content()
    ui.check("manage-saved")
    with session_scope(server.rt.db_url) as s:
        sub = s.execute(select(Subscriber)).scalars().one()
        assert sub.status == "active" and sub.frequency == "daily"

    ui.activate("a[href*='/abmelden/']:not(ul.subscriptions a)")  # all of it, not one topic's link
    assert "Ja, abmelden" in page.content()
    ui.check("unsubscribe")
    ui.activate("main form button")
    assert "Sie sind abgemeldet" in page.content()
    ui.check("unsubscribed")
    with session_scope(server.rt.db_url) as s:
        assert s.execute(select(Subscriber.status)).scalar_one() == "unsubscribed"
        public_id = s.execute(select(Subscriber.public_id)).scalar_one()

    for name, path in [("privacy", "/datenschutz"), ("link-request", "/verwalten"), ("code", "/bestaetigen"),
                       ("delete", f"/loeschen/{server.rt.signer.token('delete', public_id)}"),
                       ("broken-link", "/verwalten/kaputt"), ("paper-form", "/mitarbeit/papierformular")]:  # fmt: skip
        page.goto(server.base + path)
        ui.check(name)
    assert len(ui.seen) == 20


def test_a_letter_reader_makes_a_new_code_by_keyboard(server, page):
    from subscribers import settings_code
    from subscribers.store import save_subscriber

    with session_scope(server.rt.db_url) as s:
        sub = Subscriber(name="Erika Musterfrau")
        save_subscriber(s, sub, [("letter", "Erika Musterfrau\nHorster Straße 12\n45897 Gelsenkirchen")],
                        {("baustellen", "buer")}, confirmed=True)  # fmt: skip
        old = settings_code.ensure_codes(s, [sub.id])[sub.id]
        public_id = sub.public_id
    ui = Checker(page)
    page.goto(server.base + "/verwalten/" + server.rt.signer.token("manage", public_id))
    assert "Ihr Code für Briefe" in page.content()
    ui.check("manage-letter-code")
    ui.activate("form[action$='/neuer-code'] button")
    assert "Der alte Code gilt ab jetzt nicht mehr." in page.content()
    ui.check("new-code")
    with session_scope(server.rt.db_url) as s:
        new = s.get(Subscriber, sub.id).service_code
    assert new != old and settings_code.grouped(new) in page.inner_text("main")
