"""A real browser: draft (live check, one-click suggestion) → approve (second person) → send, with
axe-core on every staff page (no serious or critical violations) and screenshots in tests/artifacts/.

uvicorn runs the app in a thread on a free port with a temporary SQLite database; the embedded
Tansu broker takes the published CloudEvent, which we read back from ``city-events``.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from browser_kit import chromium_page, needs_chromium, screenshot, serious_violations, serve
from staff_samples import HARD_TEXT, PASSWORD, add_people, add_residents

from notify.devstack import free_port
from notify.kafka import CITY_EVENTS

pytestmark = needs_chromium


@pytest.fixture
def broker(tmp_path):
    from notify.embedded.broker import BrokerUnavailable, start_broker

    port = free_port()
    try:
        proc = start_broker("127.0.0.1", port, log=tmp_path / "broker.log")
    except BrokerUnavailable as exc:
        pytest.skip(f"embedded broker unavailable: {exc}")
    yield port
    proc.kill()
    proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path, broker, monkeypatch):
    from notify.pipeline import Runtime
    from notify.settings import Settings
    from notify.web.app import create_app
    from subscribers.db import init_db

    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    port = free_port()
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'staff.db'}", secret_key="browser",
                        base_url=f"http://127.0.0.1:{port}", kafka_url=f"kafka://127.0.0.1:{broker}", partitions=1)  # fmt: skip
    rt = Runtime(settings)
    init_db(rt.db_url)
    add_people(rt.db_url)
    add_residents(rt.db_url, [([("email", f"b{i}@example.org"), ("letter", f"B {i}\nStr. 1\n45894 Gelsenkirchen")],
                               [("baustellen", "buer")]) for i in range(3)])  # fmt: skip
    with serve(create_app(rt), port) as srv:
        srv.base, srv.rt, srv.kafka_port = f"http://127.0.0.1:{port}", rt, broker
        yield srv


@pytest.fixture
def page():
    with chromium_page(1280, 1000) as p:
        yield p


class Checker:
    def __init__(self, page):
        self.page, self.n = page, 0

    def check(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        self.n += 1
        screenshot(self.page, f"staff-{self.n:02d}-{name}")
        bad = serious_violations(self.page)
        assert not bad, f"{name}: {bad}"


def sign_in(page, base: str, who: str, db_url: str | None = None) -> None:
    """Password, and for approvers and admins the code from their app (set up on first sign-in)."""
    import pyotp
    from staff_samples import totp_code

    page.goto(base + "/staff")
    assert "/staff/anmelden" in page.url
    page.fill("#email", f"{who}@stadt.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Anmelden')")
    if "/staff/anmelden/code" in page.url:
        shown = page.locator("#totp-schluessel")
        secret = shown.inner_text().replace(" ", "") if shown.count() else None
        page.fill("#code", pyotp.TOTP(secret).now() if secret else totp_code(db_url, f"{who}@stadt.example"))
        with page.expect_navigation():
            page.press("#code", "Enter")
        if page.locator("#ersatz-codes").count():
            with page.expect_navigation():
                page.click("a:has-text('Weiter')")
    assert page.url.endswith("/staff")


async def read_events(port: int, timeout: float = 20) -> list[dict]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        CITY_EVENTS, bootstrap_servers=f"127.0.0.1:{port}", auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[dict] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not found:
            batch = await consumer.getmany(timeout_ms=500)
            found += [json.loads(m.value) for msgs in batch.values() for m in msgs]
    finally:
        await consumer.stop()
    return found


def test_draft_approve_send_in_the_browser(server, page):
    ui = Checker(page)
    page.goto(server.base + "/staff/anmelden")
    ui.check("anmelden")
    sign_in(page, server.base, "anna")
    ui.check("liste-leer")

    page.click("a:has-text('Neue Mitteilung schreiben')")
    page.fill("#f-title", "Sperrung der Hochstraße in Buer")
    page.fill("#f-text", HARD_TEXT)
    # the live check (debounced POST /v1/check) marks the findings while typing
    page.wait_for_selector("#bericht .findings li")
    assert page.locator("#markiert mark").count() > 0
    apply = page.locator("#bericht button.apply[data-excerpt='Gemäß']")
    apply.click()
    assert page.input_value("#f-text").startswith("nach der Satzung")
    page.check("#t-baustellen")
    page.check("#area-districts")
    page.check("#d-buer")
    page.check("#u-urgent")
    # the audience updates as the topics and the area change
    # (each change triggers its own debounced count; wait for the one that saw "dringend" too)
    page.wait_for_function(
        "document.querySelector('#publikum-zahl .big') && document.querySelector('#publikum-zahl .big').textContent.includes('3')"
        " && document.querySelector('#publikum').innerText.includes('Freigabe nötig')"
    )
    assert "Dringende Nachrichten brauchen immer eine zweite Person" in page.inner_text("#publikum")
    ui.check("entwurf")
    with page.expect_navigation():
        page.click("#editor .buttons button[value='speichern'] >> nth=0")
    assert "/staff/mitteilungen/" in page.url
    ann_id = int(page.url.split("/staff/mitteilungen/")[1].split("?")[0])
    assert page.inner_text("#zustand") == "Entwurf"
    assert "Erst nach der Freigabe" in page.inner_text(".actions")
    page.locator("img[alt^='Seite 1 des Briefs']").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector(\"img[alt^='Seite 1']\").naturalWidth > 0", timeout=60_000)
    ui.check("entwurf-gespeichert")
    leaving = "() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; }"
    assert page.evaluate(leaving) is False  # nothing unsaved: leaving is fine
    # A change that is not saved yet goes with "Zur Freigabe geben" (issue 10, item 9) …
    page.fill("#f-text", page.input_value("#f-text") + "\n\nDie Umleitung ist ausgeschildert.")
    assert page.evaluate(leaving) is True  # … and leaving the page now would warn
    with page.expect_navigation():
        page.click("button[value='zur-freigabe']")
    assert page.inner_text("#zustand") == "Wartet auf Freigabe"
    assert "Die Umleitung ist ausgeschildert." in page.inner_text(".readonly, #editor")
    with page.expect_navigation():
        page.click(".sign-out button")

    sign_in(page, server.base, "bernd")
    assert "Warten auf Freigabe: 1" in page.inner_text("main")
    ui.check("liste-freigabe")
    page.click(f"a[href='/staff/mitteilungen/{ann_id}'] >> nth=0")
    if page.locator("#hinweise_gesehen").count():
        page.check("#hinweise_gesehen")
    page.fill("#notiz-freigabe", "Passt so.")
    ui.check("freigeben")
    with page.expect_navigation():
        page.click("button[value='freigeben']")
    assert page.inner_text("#zustand") == "Freigegeben"
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        page.click("button[value='senden']")
    assert asked == ["An 3 Personen senden?"]
    assert page.url.endswith(f"/staff/mitteilungen/{ann_id}/zustellung")
    ui.check("zustellung")
    page.goto(f"{server.base}/staff/mitteilungen/{ann_id}")
    assert page.inner_text("#zustand") == "Gesendet"
    ui.check("gesendet")
    page.goto(server.base + "/staff/auswertung")
    ui.check("auswertung")

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        events = pool.submit(asyncio.run, read_events(server.kafka_port)).result()
    [event] = [e for e in events if e["id"] == f"ANN-{ann_id}"]
    assert event["source"] == "/stadtbote/announcements" and event["data"]["urgency"] == "urgent"
    assert event["data"]["title"] == "Sperrung der Hochstraße in Buer" and event["data"]["area"] == ["buer"]
    assert event["data"]["text"].startswith("nach der Satzung")
    assert event["data"]["text"].endswith("Die Umleitung ist ausgeschildert.")
