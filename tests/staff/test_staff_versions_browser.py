"""The version tabs in a real browser at phone width (390 px), with axe-core on every step and
screenshots in tests/artifacts/ (staff-versions-*.png): open the Leichte-Sprache tab, make a
machine proposal, save it, switch tabs — all without the page's JavaScript doing the work."""

from __future__ import annotations

import pytest
from browser_kit import chromium_page, needs_chromium, screenshot, serious_violations, serve
from staff_samples import PASSWORD, add_people

from notify.devstack import free_port

pytestmark = needs_chromium

AMTSDEUTSCH = ("Im Rahmen der Durchführung der Sanierungsmaßnahme wird seitens der Stadtverwaltung darauf "
               "hingewiesen, dass eine Inanspruchnahme der Parkflächen nicht möglich ist.")  # fmt: skip


@pytest.fixture
def server(tmp_path, monkeypatch):
    from notify import announcements as domain
    from notify.pipeline import Runtime
    from notify.settings import Settings
    from notify.web.app import create_app
    from subscribers.db import init_db, session_scope
    from subscribers.models import Subscriber
    from subscribers.staff import Staff
    from subscribers.store import save_subscriber

    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    port = free_port()
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'staff.db'}", secret_key="browser",
                        base_url=f"http://127.0.0.1:{port}", kafka_url=f"kafka://127.0.0.1:{free_port()}")  # fmt: skip
    rt = Runtime(settings)
    init_db(rt.db_url)
    add_people(rt.db_url)
    with session_scope(rt.db_url) as s:
        for n, (language, profile) in enumerate([("de", "leicht")] * 23 + [("de", "einfach"), ("en", "standard")]):
            save_subscriber(s, Subscriber(language=language, profile=profile), [("email", f"r{n}@example.org")],
                            {("parken", "buer")})  # fmt: skip
        anna = Staff(id=1, email="anna@stadt.example", name=None, role="author")
        fields = domain.NewDraft(title="Parkplatz am Rathaus Buer gesperrt", text=AMTSDEUTSCH, topics=["parken"],
                                 area=["buer"])  # fmt: skip
        ann_id = domain.create(s, fields, anna, rt.catalogue).id
    with serve(create_app(rt), port) as srv:
        srv.base, srv.ann_id = f"http://127.0.0.1:{port}", ann_id
        yield srv


def test_version_tabs_at_phone_width(server):
    with chromium_page(390, 844) as page:
        n = 0

        def check(name: str) -> None:
            nonlocal n
            page.wait_for_load_state("load")
            n += 1
            screenshot(page, f"staff-versions-{n:02d}-{name}")
            bad = serious_violations(page)
            assert not bad, f"{name}: {bad}"
            width = page.evaluate("document.documentElement.scrollWidth")
            wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 392 || e.scrollWidth > 400)
                .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right))""")
            assert width <= 390, f"{name}: the page is {width} px wide on a 390 px phone: {wide}"

        page.goto(server.base + "/staff")
        page.fill("#email", "anna@stadt.example")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button:has-text('Anmelden')")
        page.goto(f"{server.base}/staff/mitteilungen/{server.ann_id}")
        tabs = page.locator("nav.version-tabs a")
        assert tabs.count() == 5
        assert "23 Personen lesen Leichte Sprache" in page.inner_text("nav.version-tabs")
        check("standard")

        with page.expect_navigation():
            page.click("nav.version-tabs a:has-text('Leichte Sprache')")
        assert page.get_attribute("nav.version-tabs a[aria-current='page']", "href").endswith("fassung=de-leicht#fassung")
        assert "fehlt noch" in page.inner_text("nav.version-tabs a[aria-current='page']")
        check("leicht-leer")

        with page.expect_navigation():
            page.click("button:has-text('Vorschlag erstellen')")
        assert "maschineller Vorschlag – bitte prüfen" in page.inner_text(".version-panel")
        proposal = page.input_value("#fv-text")
        assert "nicht" in proposal and "seitens" not in proposal
        page.fill("#fv-title", "Der Parkplatz ist zu")
        check("leicht-vorschlag")

        with page.expect_navigation():
            page.click("button:has-text('Fassung speichern')")
        assert "Vorschlag" in page.inner_text("nav.version-tabs a[aria-current='page']")
        assert "Ziel: Leichte Sprache" in page.inner_text(".version-panel")
        assert proposal.split()[0] in page.inner_text(".previews")  # this tab's own previews
        check("leicht-gespeichert")

        # the live check of this tab, against Leichte Sprache, while typing
        page.fill("#fv-text", "Die Stadt sperrt den Parkplatz. Seitens der Verwaltung erfolgt die Durchführung.")
        page.wait_for_function("document.querySelector('#bericht .count') && "
                               "document.querySelector('#markiert') && "
                               "document.querySelector('#markiert').textContent.includes('Seitens')")  # fmt: skip
        assert "Ziel: Leichte Sprache" in page.inner_text("#bericht")
        assert page.locator("#markiert mark").count() > 0
        check("leicht-live")
        page.goto(f"{server.base}/staff/mitteilungen/{server.ann_id}?fassung=de-leicht")

        with page.expect_navigation():
            page.click("nav.version-tabs a:has-text('Englisch')")
        assert "nur für Deutsch" in page.inner_text(".version-panel")
        assert page.locator("button:has-text('Vorschlag erstellen')").count() == 0
        check("englisch")
